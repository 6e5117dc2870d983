{{/*
Chart name, truncated to the 63 characters Kubernetes allows in a name.
*/}}
{{- define "gridgov.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release-qualified name. A release called "gridgov" is not doubled into "gridgov-gridgov".
*/}}
{{- define "gridgov.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Kubernetes name of one process of one service: <fullname>-<service>-<process>, with the
package's underscores turned into the hyphens DNS-1123 names require.
Call with (dict "root" $ "service" $name "process" "api").
*/}}
{{- define "gridgov.componentName" -}}
{{- printf "%s-%s-%s" (include "gridgov.fullname" .root) (.service | replace "_" "-") .process | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gridgov.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object. Takes the root context.
*/}}
{{- define "gridgov.labels" -}}
helm.sh/chart: {{ include "gridgov.chart" . }}
app.kubernetes.io/part-of: gridgov
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
{{- end }}

{{/*
Selector labels of one process of one service; immutable once deployed, so nothing that
changes between releases goes in here. gridgov.io/service keeps the package name
(grid_registry) because Prometheus relabels it into the `service` label the alerts use.
Call with (dict "root" $ "service" $name "process" "api").
*/}}
{{- define "gridgov.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gridgov.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ printf "%s-%s" (.service | replace "_" "-") .process }}
gridgov.io/service: {{ .service }}
gridgov.io/process: {{ .process }}
{{- end }}

{{- define "gridgov.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "gridgov.configMapName" -}}
{{- printf "%s-config" (include "gridgov.fullname" .) }}
{{- end }}

{{/*
Environment shared by the api and the worker of one service: the ConfigMap plus what differs
per service. Call with (dict "root" $ "service" $name "svc" $svc).
*/}}
{{- define "gridgov.serviceEnv" -}}
- name: GRIDGOV_SERVICE
  value: {{ .service | quote }}
- name: GRIDGOV_MONGO_DB
  value: {{ printf "%s%s" .root.Values.config.mongoDatabasePrefix .service | quote }}
- name: GRIDGOV_MONGO_URI
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secrets.mongoUri.name }}
      key: {{ .root.Values.secrets.mongoUri.key }}
{{- end }}

{{/*
envFrom of one service: the shared ConfigMap, then the service's own Secrets.
Call with (dict "root" $ "svc" $svc).
*/}}
{{- define "gridgov.envFrom" -}}
- configMapRef:
    name: {{ include "gridgov.configMapName" .root }}
{{- range .svc.envFromSecrets }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end }}

{{/*
Pod-level settings shared by every pod of the chart. Takes the root context.
*/}}
{{- define "gridgov.podSpecCommon" -}}
automountServiceAccountToken: false
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The part of every Ingress's spec before its paths: class, TLS, the host's rule. The caller
continues with `paths:` at the rule's depth (8 spaces). Takes the root context.
*/}}
{{- define "gridgov.ingressSpec" -}}
{{- with .Values.ingress.className }}
ingressClassName: {{ . }}
{{- end }}
{{- with .Values.ingress.tls }}
tls:
  {{- toYaml . | nindent 2 }}
{{- end }}
rules:
  - host: {{ .Values.ingress.host | quote }}
    http:
{{- end }}
