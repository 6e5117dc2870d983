"""patrol_tracking's domain: GPS points, patrol days, visits, leave and daily compliance.

Plain Python (numpy and shapely for the geometry): no web, storage or Kafka framework.
"""
