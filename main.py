"""The CDK app: `cdktf synth` / `cdktn synth` run `python main.py` (see cdktf.json).

Reads the fleet file (SILICONFLEET_FLEET, default fleet.yaml) and synthesizes one stack per cloud
account/region into the folder the CLI asks for (CDKTF_OUTDIR, default cdktf.out).
"""

import os
import sys

from siliconfleet.cli import main

if __name__ == "__main__":
    sys.exit(main(["synth", "--fleet", os.environ.get("SILICONFLEET_FLEET", "fleet.yaml")]))
