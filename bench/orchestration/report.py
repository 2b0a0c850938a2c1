"""The orchestration bench's markdown table (wfo, the other platform — stock or a second wfo with
`--versus` settings — and their ratio)."""

from __future__ import annotations

from typing import Any

ROWS = (
    ("20-task chain, median wall (s)", "chain_median_s", "{:.2f}"),
    ("per-task overhead, chain / 20 (s)", "per_task_median_s", "{:.3f}"),
    ("50-task fan-out, median wall (s)", "fanout_median_s", "{:.2f}"),
    ("idle CPU (fraction of one core)", "idle_cpu_core_fraction", "{:.3f}"),
    ("idle RSS, all processes (MB)", "idle_rss_mb", "{:.0f}"),
    ("idle PSS, all processes (MB)", "idle_pss_mb", "{:.0f}"),
    ("peak RSS during fan-out (MB)", "fanout_peak_rss_mb", "{:.0f}"),
    ("peak PSS during fan-out (MB)", "fanout_peak_pss_mb", "{:.0f}"),
)


def render_table(results: dict[str, Any]) -> str:
    platforms = results["platforms"]
    other_name = "versus" if "versus" in platforms else "stock"
    wfo, stock = platforms.get("wfo", {}), platforms.get(other_name, {})
    if other_name == "versus":
        # Setting names only: a value may hold a password (a broker URL).
        other_label = "wfo + " + ", ".join(sorted(results.get("versus_overrides", {})))
        ratio_label = "wfo / versus"
    else:
        other_label, ratio_label = "stock standalone", "wfo / stock"

    def cell(values: dict[str, Any], key: str, fmt: str) -> str:
        return fmt.format(values[key]) if values.get(key) is not None else "–"

    def ratio(key: str) -> str:
        return f"{wfo[key] / stock[key]:.2f}" if wfo.get(key) and stock.get(key) else "–"

    lines = [
        f"Airflow {results.get('airflow_version')}, {results['machine']['cpus']} cores, "
        f"{results['runs_per_dag']} runs per DAG, idle window {results['idle_window_s']:.0f} s, "
        f"load at start {results['machine']['load_average_1m']}",
        "",
        f"| metric | wfo | {other_label} | {ratio_label} |",
        "|---|---:|---:|---:|",
    ]
    for label, key, fmt in ROWS:
        lines.append(f"| {label} | {cell(wfo, key, fmt)} | {cell(stock, key, fmt)} | {ratio(key)} |")
    for name, values in (results.get("recovery") or {}).items():
        lines.append(f"\nscheduler SIGKILL, {name}: {values}")
    for name, values in platforms.items():
        parts = ", ".join(f"{k} {v:.3f}" for k, v in values.get("chain_task_breakdown_s", {}).items())
        lines.append(f"\nchain task breakdown (median s), {name}: {parts}")
        comps = ", ".join(f"{k} {v:.3f}" for k, v in values.get("idle_cpu_by_component", {}).items())
        lines.append(f"idle CPU by component, {name}: {comps}")
        if values.get("failures"):
            lines.append(f"FAILURES, {name}: {values['failures']}")
    imports = results.get("imports")
    if imports:
        lines += [
            "",
            f"| import (fresh interpreter, median of {imports['runs']}) | added ms over `import airflow` (wall) "
            "| added ms (-X importtime) |",
            "|---|---:|---:|",
        ]
        for module in ("wfo.operators", "wfo.plugin.plugin"):
            lines.append(
                f"| `{module}` | {imports['added_ms_wall'][module]:.1f} | {imports['added_ms_importtime'][module]} |"
            )
        lines.append(f"| (`import airflow` alone) | {imports['wall_ms_median']['airflow']:.0f} ms | |")
    return "\n".join(lines)
