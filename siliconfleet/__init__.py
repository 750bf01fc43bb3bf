"""siliconfleet: one fleet file, reviewable Terraform for inference on the silicon that fits."""

from ._node import configure_node as _configure_node
from .errors import Problem, SiliconfleetError

_configure_node()

__version__ = "0.1.0"
__all__ = ["Problem", "SiliconfleetError", "__version__"]
