"""`siliconfleet size`: argument parsing and output. Wired into siliconfleet/cli.py by add_parser().

Numbers are taken as text and validated by siliconfleet.sizing, so that every bad value is
reported with its flag name, all at once, and the command exits 2 without a traceback.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import SiliconfleetError

FLAGS = {
    "model": "--model", "params": "--params", "active_params": "--active-params", "layers": "--layers",
    "kv_heads": "--kv-heads", "head_dim": "--head-dim", "attention_heads": "--attention-heads", "dtype": "--dtype",
    "kv_dtype": "--kv-dtype", "context": "--context", "batch": "--batch", "target_tokens_per_s": "--target-tokens-per-s",
    "efficiency": "--efficiency", "overhead": "--overhead",
}
_MODEL_ONLY = ("model", "params", "active_params", "layers", "kv_heads", "head_dim", "attention_heads", "context", "batch")

EPILOG = """\
examples:
  siliconfleet size --model meta-llama/Llama-3.1-8B-Instruct --batch 8
  siliconfleet size --model llama-3.1-70b --dtype fp8 --context 8192 --target-tokens-per-s 2000
  siliconfleet size --params 14 --layers 40 --kv-heads 8 --head-dim 128 --dtype int4
  siliconfleet size --fleet fleet.yaml --format json
  siliconfleet size --model qwen3-8b --plot size.svg
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `size` subcommand to the subparsers of siliconfleet's command line."""
    p = subparsers.add_parser(
        "size",
        help="which silicon fits a model: memory, tensor-parallel degree, decode bound and $ per million tokens",
        description="Size a model against every option in the catalog (EC2 accelerators, TPU generations, Groq, "
                    "on-device): memory fit, tensor-parallel degree, roofline decode bound and price per token.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    model = p.add_argument_group("the model (a catalog name or Hugging Face id, or explicit numbers)")
    model.add_argument("--model", "-m", help="catalog name (llama-3.1-8b) or Hugging Face id (Qwen/Qwen3-8B)")
    model.add_argument("--params", help="parameters in billions (8, 70.6, 8B; 500M for millions)")
    model.add_argument("--active-params", help="mixture of experts: parameters active per token, in billions")
    model.add_argument("--layers", help="transformer layers (num_hidden_layers)")
    model.add_argument("--kv-heads", help="key/value heads (num_key_value_heads)")
    model.add_argument("--head-dim", help="dimension of one attention head (head_dim)")
    model.add_argument("--attention-heads", help="query heads (num_attention_heads); optional")
    load = p.add_argument_group("the load")
    load.add_argument("--dtype", help="weights: bf16, fp16, fp8, int8, mxfp4, int4, ternary (1.58-bit); default: the model's own")
    load.add_argument("--kv-dtype", help="KV cache: bf16 (default), fp16, fp8, int8")
    load.add_argument("--context", help="tokens per sequence, prompt + output (default 4096)")
    load.add_argument("--batch", help="sequences decoded together (default 1)")
    load.add_argument("--target-tokens-per-s", help="output tokens/s the service must sustain in total; adds replicas and $/h")
    out = p.add_argument_group("assumptions and output")
    out.add_argument("--efficiency", help="share of the roofline bound reached in practice (default 0.5)")
    out.add_argument("--overhead", help="runtime overhead as a share of weights + KV cache (default 0.1)")
    out.add_argument("--region", default=None, help="AWS region for prices (default us-east-1)")
    out.add_argument("--gcp-region", default=None, help="Google Cloud region for TPU prices (default us-central1)")
    out.add_argument("--fleet", help="size every target of this fleet file against its own serving settings")
    out.add_argument("--format", choices=("table", "json"), default="table")
    out.add_argument("--plot", metavar="FILE", help="also write a chart of $/Mtok against decode tok/s (.svg, or .png with matplotlib)")
    p.set_defaults(func=run)
    return p


def _values(args: argparse.Namespace) -> dict[str, Any]:
    return {k: getattr(args, k) for k in FLAGS}


def run(args: argparse.Namespace) -> int:
    if args.fleet:
        return _run_fleet(args)
    from .advisor import size
    from .model import build_request
    from .render import render_table, result_dict

    values = _values(args)
    if values["model"] is None and all(values[k] is None for k in ("params", "layers", "kv_heads", "head_dim")):
        raise SiliconfleetError(
            "--model: give a model (--model llama-3.1-8b or a Hugging Face id), explicit numbers "
            "(--params, --layers, --kv-heads, --head-dim), or --fleet FILE"
        )
    req = build_request(**values, aws_region=args.region, gcp_region=args.gcp_region, labels=FLAGS)
    result = size(req)
    if args.plot:
        from .plot import write_plot

        write_plot([("", result)], args.plot, f"{req.model.name} at {req.dtype.name}, context {req.context} x batch {req.batch}")
    if args.format == "json":
        print(json.dumps(result_dict(result), indent=2))
    else:
        print(render_table(result))
    if args.plot and args.format != "json":
        print(f"\nplot written to {args.plot}")
    return 0


def _run_fleet(args: argparse.Namespace) -> int:
    from ..spec import load_fleet
    from .fleet import oversize_findings, size_fleet
    from .render import render_table, result_dict

    clash = [FLAGS[k] for k in _MODEL_ONLY if getattr(args, k) is not None]
    clash += ["--region"] if args.region else []
    clash += ["--gcp-region"] if args.gcp_region else []
    if clash:
        raise SiliconfleetError(
            f"{', '.join(clash)}: --fleet sizes each target with its own serving.model, max_model_len, max_num_seqs "
            "and region; drop these flags or size one model without --fleet"
        )
    fleet = load_fleet(args.fleet)
    sized = size_fleet(fleet, dtype=args.dtype, kv_dtype=args.kv_dtype, efficiency=args.efficiency, overhead=args.overhead,
                       target_tokens_per_s=args.target_tokens_per_s, source=args.fleet, labels=FLAGS)
    findings = oversize_findings(fleet, dtype=args.dtype)
    by_target: dict[str, list] = {}
    for f in findings:
        by_target.setdefault(f.target, []).append(f)
    if args.plot:
        from .plot import write_plot

        write_plot([(f"{s.target.name}: ", s.result) for s in sized], args.plot, f"fleet {fleet.fleet}")
    if args.format == "json":
        doc = {
            "fleet": fleet.fleet,
            "targets": [
                {
                    "target": s.target.name,
                    "path": f"targets[{s.index}]",
                    "kind": getattr(s.target, "kind", None),
                    "current": None if s.hardware is None else {
                        ("instance_type" if s.hardware.kind == "aws" else "accelerator_type"): s.hardware.name,
                        "region": s.hardware.region, "usd_per_hour": s.hardware.usd_per_hour,
                    },
                    "sizing": result_dict(s.result),
                    "findings": [
                        {"rule_id": f.rule_id, "severity": f.severity, "path": f.path, "message": f.message,
                         "monthly_savings_usd": f.monthly_savings_usd, "alternatives": list(f.alternatives)}
                        for f in by_target.get(s.target.name, [])
                    ],
                }
                for s in sized
            ],
        }
        print(json.dumps(doc, indent=2))
        return 0
    blocks = []
    for s in sized:
        hw = s.hardware
        current = "" if hw is None else f", runs on {hw.name}" + (f" in {hw.region}" if hw.region else "")
        lines = [f"== targets[{s.index}] {s.target.name} ({getattr(s.target, 'kind', 'target')}{current}) =="]
        lines.append(render_table(s.result))
        for f in by_target.get(s.target.name, []):
            lines.append(f.render())
        blocks.append("\n".join(lines))
    if not sized:
        blocks.append(f"{args.fleet}: no target serves a model; nothing to size")
    print("\n\n".join(blocks))
    if args.plot:
        print(f"\nplot written to {args.plot}")
    return 0
