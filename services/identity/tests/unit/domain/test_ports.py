from services.identity.domain.ports import ProviderConflict, ProviderUnavailable
from shared.http.errors import to_problem


def test_keycloak_down_is_a_503_problem():
    problem = to_problem(ProviderUnavailable("the identity provider is unavailable"))
    assert problem.status == 503
    assert problem.detail == "the identity provider is unavailable"


def test_a_provider_conflict_is_a_409_problem():
    assert (
        to_problem(ProviderConflict("the identity provider already holds this name")).status == 409
    )
