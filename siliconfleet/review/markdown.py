"""The review as a pull-request comment: the summary table first, every detail folded.

GitHub rejects a comment longer than 65,536 characters. The report is built from sections of
rows; when it would be longer, rows are dropped from the least important sections first
(inventory, then cost details, then the diff), and only then from the findings and the summary
table together, in the same proportion, so that both keep their first rows (errors sort first).
Each cut section says how many rows it lost, and a note under the headline says the report was
shortened and how to get all of it (``--format json``). Nothing here reads a clock or the environment: the same report
gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .fmt import money, number, rate
from .model import HOURS_PER_MONTH, Finding, Report, TargetDelta, TargetReview

GITHUB_COMMENT_LIMIT = 65_536
#: Sections at this priority or above (findings, the summary table) are cut together, last.
LAST_TO_CUT = 3
ICONS = {"error": ":x:", "warning": ":warning:", "acknowledged": ":ballot_box_with_check:"}


def cell(value: Any) -> str:
    """Text safe inside a table cell: no pipes, no newlines, no HTML."""
    text = "" if value is None else str(value)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\r", " ").replace("\n", " "))


def code(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    safe = cell(text).replace("`", "'")
    return f"`{safe}`"


@dataclass
class Section:
    """A block of the comment: text before the rows, the rows, text after. Rows can be cut."""

    head: str
    rows: list[str] = field(default_factory=list)
    tail: str = ""
    priority: int = 99
    """Sections with the lowest priority lose rows first."""
    shown: int | None = None

    def render(self) -> str:
        shown = len(self.rows) if self.shown is None else self.shown
        body = "".join(row + "\n" for row in self.rows[:shown])
        cut = len(self.rows) - shown
        note = (f"\n_{cut} more row{'s' if cut != 1 else ''} not shown: the comment would exceed GitHub's "
                f"{GITHUB_COMMENT_LIMIT:,}-character limit (`--format json` has everything)._\n") if cut else ""
        return self.head + body + note + self.tail


TRUNCATED = ("\n> [!NOTE]\n> This report was shortened to fit GitHub's comment limit; the sections that lost rows say "
             "how many. Run `siliconfleet review --format json` for the whole report.\n")


def fit(sections: list[Section], cut_order: list[list[int]], limit: int) -> str:
    """Join the sections; if longer than ``limit``, cut rows group by group in ``cut_order`` (the
    sections of one group keep the same share of their rows) until it fits."""
    def text(truncated: bool) -> str:
        joined = "".join(s.render() for s in sections)
        if not truncated:
            return joined
        first = sections[0].render()
        return first + TRUNCATED + joined[len(first):]

    if len(text(False)) <= limit:
        return text(False)
    steps = 1000
    for group in cut_order:
        members = [sections[i] for i in group]

        def share(step: int, members: list[Section] = members) -> None:
            for section in members:
                section.shown = len(section.rows) * step // steps

        low, high = 0, steps
        while low < high:  # the largest share of rows that still fits
            share((low + high + 1) // 2)
            if len(text(True)) <= limit:
                low = (low + high + 1) // 2
            else:
                high = (low + high + 1) // 2 - 1
        share(low)
        if len(text(True)) <= limit:
            return text(True)
    out = text(True)
    return out[: limit - 200] + "\n\n_(cut at the comment limit)_\n" if len(out) > limit else out


# ---------------------------------------------------------------------------------------------


def _sizes(t: TargetReview) -> str:
    hw = t.hardware
    if hw.min_size is None and hw.max_size is None:
        return "-"
    return f"{hw.min_size} / {hw.desired_size} / {hw.max_size} {hw.unit}{'s' if (hw.max_size or 0) != 1 else ''}"


def _accelerators(t: TargetReview) -> str:
    hw = t.hardware
    if not hw.accelerators_per_unit:
        return "-"
    memory = f" ({number(round(hw.accelerator_memory_gib_per_unit, 1))} GiB)" if hw.accelerator_memory_gib_per_unit else ""
    return f"{hw.accelerators_per_unit} x {hw.accelerator}{memory}"


def _cost_cell(value: float | None, t: TargetReview) -> str:
    if t.cost.unpriced:
        return "**unpriced**"
    return money(value)


def _total(value: float | None) -> str:
    return "unpriced" if value is None else money(value)


def _delta_cell(d: TargetDelta | None) -> str:
    if d is None:
        return ""
    if d.delta_unknown:
        return f"unknown ({d.change})"
    return f"{money(d.monthly_usd_delta, signed=True)} ({d.change})"


def _headline(report: Report) -> str:
    n_t, n_s = len(report.targets), len(report.stacks)
    resources = sum(s.resources or 0 for s in report.stacks)
    lines = [f"## siliconfleet review: `{cell(report.fleet)}`", ""]
    if report.total_monthly_usd is None:
        cost = "**unpriced**: no target of this fleet can be priced from the catalog (the reasons are under Cost)"
    else:
        cost = (f"**{money(report.total_monthly_usd)}/month** at the desired size, up to "
                f"**{money(report.total_max_monthly_usd)}/month** at the max size")
        if report.unpriced:
            priced = n_t - len(report.unpriced)
            cost += f", for the {priced} priced target{'s' if priced != 1 else ''}"
    if report.total_one_time_usd is None:
        cost += "; an upfront purchase is unpriced"
    elif report.total_one_time_usd:
        cost += f", plus **{money(report.total_one_time_usd)}** one time"
    if report.diff is not None:
        cost += f"; **{money(report.diff.monthly_usd_delta, signed=True)}/month** against the base"
        if report.diff.delta_unknown:
            cost += f" ({len(report.diff.delta_unknown)} change{'s' if len(report.diff.delta_unknown) != 1 else ''} not priced)"
    lines.append(cost)
    lines.append("")
    lines.append(f"{n_t} target{'s' if n_t != 1 else ''} in {n_s} stack{'s' if n_s != 1 else ''}, {resources:,} resources"
                 f" · {HOURS_PER_MONTH} h/month · catalog list prices, not quotes")
    if report.unpriced:
        names = ", ".join(f"`{cell(t.name)}`" for t in report.unpriced)
        lines.append("")
        lines.append(f":grey_question: **{len(report.unpriced)} unpriced** (not counted in the totals, never as zero): {names}")
    errors, warnings = report.open_findings(("error",)), report.open_findings(("warning",))
    acked = sum(1 for f in report.findings if f.acknowledged is not None)
    parts = []
    if errors:
        parts.append(f"{ICONS['error']} {len(errors)} error{'s' if len(errors) != 1 else ''}")
    if warnings:
        parts.append(f"{ICONS['warning']} {len(warnings)} warning{'s' if len(warnings) != 1 else ''}")
    if acked:
        parts.append(f"{ICONS['acknowledged']} {acked} acknowledged")
    findings = " · ".join(parts) if parts else ":white_check_mark: no findings"
    ck = report.checkov
    checkov = (f"checkov {ck.version}: {ck.passed} passed, {ck.failed} failed, {ck.parsing_errors} parsing errors"
               if ck.ran else f"checkov not run: {ck.reason}")
    lines.append("")
    lines.append(f"**Findings:** {findings} · {checkov}")
    lines.append("")
    return "\n".join(lines) + "\n"


def _summary(report: Report) -> Section:
    deltas: dict[str, TargetDelta] = {}
    if report.diff is not None:
        deltas = {d.name: d for d in (*report.diff.added, *report.diff.changed)}
    with_diff = report.diff is not None
    head = ("| target | kind | type | where | capacity | min / desired / max | accelerators | $/month | max $/month |"
            + (" vs base |" if with_diff else "") + "\n"
            + "|---|---|---|---|---|---|---|--:|--:|" + ("--:|" if with_diff else "") + "\n")
    rows = []
    for t in report.targets:
        hw = t.hardware
        row = (f"| `{cell(t.name)}` | {cell(t.kind)} | {cell(hw.hardware)} | {cell(hw.location)} | {cell(hw.capacity)} | "
               f"{_sizes(t)} | {cell(_accelerators(t))} | {_cost_cell(t.cost.monthly_usd, t)} | "
               f"{_cost_cell(t.cost.max_monthly_usd, t)} |")
        if with_diff:
            row += f" {_delta_cell(deltas.get(t.name))} |"
        rows.append(row)
    if report.diff is not None:
        for d in report.diff.removed:
            rows.append(f"| ~~`{cell(d.name)}`~~ | {cell(d.kind)} | | | | | | removed | | {_delta_cell(d)} |")
    total = (f"| **total** | | | | | | | **{_total(report.total_monthly_usd)}** | **{_total(report.total_max_monthly_usd)}** |"
             + (f" **{money(report.diff.monthly_usd_delta, signed=True)}** |" if with_diff else ""))
    return Section(head, rows, total + "\n\n", priority=4)


def _finding_row(f: Finding) -> str:
    status = f"{ICONS['acknowledged']} acknowledged: {cell(f.acknowledged)}" if f.acknowledged is not None else f"{ICONS[f.level]} {f.level}"
    return f"| {status} | {cell(f.id)} | `{cell(f.resource)}` | {cell(f.message)} | {cell(f.fix)} |"


def _findings(report: Report) -> Section:
    errors = report.open_findings(("error",))
    n = len(report.findings)
    summary = f"<b>Findings</b>: {n} ({len(errors)} open error{'s' if len(errors) != 1 else ''})"
    head = f"<details{' open' if errors else ''}><summary>{summary}</summary>\n\n"
    tail_lines = []
    if report.unused_acknowledgements:
        tail_lines.append("\nAcknowledgements in the fleet file that matched no finding (remove them, or fix the rule id or glob):\n")
        for ack in report.unused_acknowledgements:
            where = f" `{cell(ack.get('resource'))}`" if ack.get("resource") else ""
            tail_lines.append(f"- {cell(ack.get('rule'))}{where}: {cell(ack.get('reason'))}")
    rules = "siliconfleet rules: SF-TAG-001, SF-NET-001, SF-EC2-001, SF-SEC-001, SF-COST-001"
    if report.checkov.ran:
        rules += f"; checkov {report.checkov.version} checks (ids CKV_...)"
    tail_lines.append(f"\n<sub>{rules}. Acknowledge one in the fleet file: "
                      "`acknowledgements: [{rule: SF-..., resource: glob, reason: why}]`.</sub>")
    tail = "\n".join(tail_lines) + "\n\n</details>\n\n"
    if not report.findings:
        return Section(head + "No findings.\n", [], tail)
    table = "| status | rule | resource | finding | fix |\n|---|---|---|---|---|\n"
    return Section(head + table, [_finding_row(f) for f in report.findings], tail, priority=3)


def _diff(report: Report) -> Section | None:
    d = report.diff
    if d is None:
        return None
    summary = (f"<b>Against the base</b>: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed, "
               f"{money(d.monthly_usd_delta, signed=True)}/month")
    head = f"<details><summary>{summary}</summary>\n\n"
    rows = []
    for delta in (*d.added, *d.removed, *d.changed):
        fields = "<br>".join(f"`{cell(c.path)}`: {code(c.base)} &rarr; {code(c.head)}" for c in delta.fields)
        if delta.change == "changed" and not delta.fields:
            fields = "cost only (fleet-level change, e.g. traffic)"
        before = money(delta.base_monthly_usd) if delta.base_monthly_usd is not None else "-"
        after = money(delta.head_monthly_usd) if delta.head_monthly_usd is not None else "-"
        change = cell(delta.delta_unknown) if delta.delta_unknown else money(delta.monthly_usd_delta, signed=True)
        rows.append(f"| {delta.change} | `{cell(delta.name)}` | {cell(delta.kind)} | {fields} | {before} &rarr; {after} | {change} |")
    if not rows and not d.fleet_fields:
        return Section(head + "No target changes.\n", [], "\n</details>\n\n")
    table = "| change | target | kind | fields | $/month | delta |\n|---|---|---|---|--:|--:|\n" if rows else ""
    tail = ""
    if d.fleet_fields:
        tail += "\nFleet-level changes:\n\n" + "".join(
            f"- `{cell(c.path)}`: {code(c.base)} &rarr; {code(c.head)}\n" for c in d.fleet_fields)
    tail += ("\n<sub>Both sides are priced with this siliconfleet's catalog; a delta that involves an unpriced target is "
             "unknown and left out of the total.</sub>\n\n</details>\n\n")
    return Section(head + table, rows, tail, priority=2)


def _cost(report: Report) -> Section:
    head = "<details><summary><b>Cost</b>: how each figure is computed, and the prices used</summary>\n\n"
    rows = []
    for t in report.targets:
        lines = [f"**`{cell(t.name)}`** ({cell(t.kind)}, {cell(t.hardware.hardware)}, {cell(t.hardware.location)})"]
        lines += [f"- {cell(b)}" for b in t.cost.basis]
        lines += [f"- note: {cell(n)}" for n in t.cost.notes]
        lines += [f"- **unpriced**: {cell(u)}" for u in t.cost.unpriced]
        rows.append("\n".join(lines) + "\n")
    prices = sorted({p for t in report.targets for p in t.cost.prices}, key=lambda p: (p.item, p.unit))
    tail = ""
    if prices:
        tail += "\n| price | $ | per | as of | source |\n|---|--:|---|---|---|\n" + "".join(
            f"| {cell(p.item)}{' (UNVERIFIED)' if p.unverified else ''} | {rate(p.usd)} | {cell(p.unit)} | {cell(p.as_of)} | {cell(p.source)} |\n"
            for p in prices)
    tail += "\n| stack | targets | $/month | max $/month | one time | unpriced |\n|---|--:|--:|--:|--:|---|\n" + "".join(
        f"| `{cell(s.name)}` | {len(s.targets)} | {_total(s.monthly_usd)} | {_total(s.max_monthly_usd)} | "
        f"{_total(s.one_time_usd) if s.one_time_usd != 0 else '-'} | {cell(', '.join(s.unpriced_targets)) or '-'} |\n"
        for s in report.stacks)
    tail += "\n</details>\n\n"
    return Section(head, rows, tail, priority=1)


def _inventory(report: Report) -> Section:
    head = ("<details><summary><b>Inventory</b>: stacks and what each target runs on</summary>\n\n"
            "| stack | target | silicon | type | where | accelerators per unit | resources |\n|---|---|---|---|---|---|--:|\n")
    rows = [
        f"| `{cell(t.stack)}` | `{cell(t.name)}` | {cell(t.hardware.silicon) or '-'} | {cell(t.hardware.hardware)} | "
        f"{cell(t.hardware.location)} | {cell(_accelerators(t))} | {t.resources if t.resources is not None else '-'} |"
        for t in report.targets
    ]
    return Section(head, rows, "\n</details>\n\n", priority=0)


def _footer(report: Report) -> str:
    sha = (report.fleet_sha256 or "unknown")[:12]
    return f"<sub>{cell(report.generator)} · fleet sha256 {sha} · `siliconfleet review --format json` for machines</sub>\n"


def render_markdown(report: Report, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    sections = [Section(_headline(report)), _summary(report), _findings(report)]
    diff_section = _diff(report)
    if diff_section is not None:
        sections.append(diff_section)
    sections += [_cost(report), _inventory(report), Section(_footer(report))]
    groups: dict[int, list[int]] = {}
    for i, section in enumerate(sections):
        if section.rows:
            groups.setdefault(min(section.priority, LAST_TO_CUT), []).append(i)
    return fit(sections, [groups[p] for p in sorted(groups)], limit)
