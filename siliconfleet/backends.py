"""Terraform state backends from the fleet file's ``backend`` block.

Every stack gets an explicit backend: CDK's default local backend writes the absolute working
directory into the JSON, which would make synth output differ between checkouts.
"""

from __future__ import annotations

import os
from pathlib import Path

from constructs import Construct

from . import engine
from .spec.models import GcsBackend, LocalBackend, S3Backend


def configure_backend(
    stack: Construct,
    backend: LocalBackend | S3Backend | GcsBackend | None,
    *,
    stack_name: str,
    fleet_dir: Path,
    stack_dir: Path,
) -> None:
    """Attach the backend to ``stack``; local state paths are written relative to ``stack_dir``
    (the folder Terraform runs in: ``<out>/stacks/<stack>``), so the JSON holds no absolute path."""
    if backend is None:
        backend = LocalBackend(type="local")
    if isinstance(backend, LocalBackend):
        state = fleet_dir / backend.path / f"{stack_name}.tfstate"
        engine.LocalBackend(stack, path=os.path.relpath(state, stack_dir))
    elif isinstance(backend, S3Backend):
        s3 = engine.S3Backend(
            stack,
            bucket=backend.bucket,
            key=f"{backend.key.rstrip('/')}/{stack_name}.tfstate",
            region=backend.region,
            encrypt=True,
            kms_key_id=backend.kms_key_id,
            dynamodb_table=backend.dynamodb_table,
        )
        if backend.locking == "s3-native":
            # S3 lock files (Terraform >= 1.10); set as an override so cdktf 0.21, which predates
            # the option, writes it too.
            s3.add_override("use_lockfile", True)
    else:
        engine.GcsBackend(stack, bucket=backend.bucket, prefix=f"{backend.prefix.rstrip('/')}/{stack_name}")
