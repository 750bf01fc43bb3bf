"""GroqEndpoint: a GroqCloud model as infrastructure, the ``HostedEndpoint`` of the ``groq`` kind
(its provider's facts: catalog/data/hosted/groq.yaml). The names of earlier versions stay here."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from ..spec.groq import GroqFields
from .hosted import (
    AWS_READ_ACTION,
    GCP_KEY_ROTATION_DAYS,
    GCP_READ_ROLE,
    TARGET_VERSIONS_CONTEXT,
    WRITE_ONLY_TARGET_VERSIONS,
    HostedEndpoint,
    HostedEndpointProps,
    tpu_service_account_email,
)

__all__ = [
    "AWS_READ_ACTION", "GCP_KEY_ROTATION_DAYS", "GCP_READ_ROLE", "TARGET_VERSIONS_CONTEXT", "WRITE_ONLY_TARGET_VERSIONS",
    "GroqEndpoint", "GroqEndpointProps", "tpu_service_account_email",
]


class GroqEndpointProps(GroqFields, HostedEndpointProps):
    """The fields of a ``groq`` fleet target plus who pays and owns it.

    ``cost_center``, ``owner`` and ``environment`` are required, so the secret and its key are
    always tagged (labelled on Google Cloud). Bad values raise ``SiliconfleetError`` naming each field.
    """


class GroqEndpoint(HostedEndpoint):
    """A Groq model endpoint: the secret container for its API key, read access on exactly that
    secret, and the endpoint's configuration published for gateways and clients (see
    ``HostedEndpoint``)."""

    props_class = GroqEndpointProps

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        props: GroqEndpointProps,
        serving_role_arns: Sequence[str] = (),
        serving_service_accounts: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id, props=props, serving_role_arns=serving_role_arns,
                         serving_service_accounts=serving_service_accounts)
