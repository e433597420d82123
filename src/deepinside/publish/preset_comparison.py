"""docs/paper_preset.md's table: every claim under the quick preset and under the paper preset, side by side.

Made by :func:`deepinside.steps.gather.compare_presets` (per claim, each preset's value, seeds
holding, each seed's margin and verdict: what ``snakemake compare_presets`` writes to
``results/claims_by_preset.csv``), called here on this checkout's quick claims and the paper
claims kept in ``docs/paper_claims/``, and from the one-line reasons a person wrote in
``docs/paper_preset_reasons.csv`` (figure, claim id, reason): why a verdict differs between the
presets, or why a claim fails under both. The workflow's ``paper_preset_page`` target rewrites
the text between ``<!-- presets:start -->`` and ``<!-- presets:end -->`` of the page; nothing
in the table is typed by hand but the reasons.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from deepinside.core.files import atomic_output
from deepinside.publish import carried_runs, figure_table, readme_claims

START, END = "<!-- presets:start -->", "<!-- presets:end -->"
COST_START, COST_END = "<!-- cost:start -->", "<!-- cost:end -->"
GALLERY_START, GALLERY_END = "<!-- gallery:start -->", "<!-- gallery:end -->"
PROGRESS_START, PROGRESS_END = "<!-- progress:start -->", "<!-- progress:end -->"
COST_COLUMNS = (
    "talk",
    "jobs",
    "seeds",
    "step_hours",
    "cpu_hours",
    "jobs_without_cpu",
    "projection",
    "measured",
    "logs",
)
NOT_RUN = ("not run", "no such claim")


def _number(value) -> str:
    if pd.isna(value):
        return "—"
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return str(value)


def _holding(text) -> tuple[int, int] | None:
    """(seeds holding, seeds) from ``2 of 3``; None where the row is not combined over seeds."""
    match = re.fullmatch(r"(\d+) of (\d+)", str(text).strip()) if pd.notna(text) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def fragile(row, preset: str) -> bool:
    """A verdict of ``preset`` that holds in some of its seeds only."""
    holding = _holding(row[f"{preset}_seeds_holding"])
    return holding is not None and 0 < holding[0] < holding[1]


def cell(row, preset: str, margins: bool) -> str:
    """One preset's value, verdict, seeds holding (and each seed's margin) for one claim."""
    verdict = row[f"{preset}_verdict"]
    if verdict in NOT_RUN:
        return str(verdict)
    holding = _holding(row[f"{preset}_seeds_holding"])
    parts = [str(verdict)]
    if holding is not None:
        parts.append(f"{holding[0]} of {holding[1]} seeds")
    if fragile(row, preset):
        parts.append("**fragile**")
    text = f"{_number(row[f'{preset}_measured'])} ({', '.join(parts)})"
    seeds = str(row.get(f"{preset}_margins", "") or "")
    if margins and seeds and seeds != "nan":
        text += f"; margins {seeds}"
    return text


def why(row, reasons: dict[tuple[str, str], str], first: str, second: str) -> str:
    """'**differs**: <reason>' where both presets ran the claim and their verdicts differ; else the reason, if any."""
    reason = reasons.get((str(row["figure"]), str(row["id"])), "")
    both_ran = row[f"{first}_verdict"] not in NOT_RUN and row[f"{second}_verdict"] not in NOT_RUN
    if both_ran and row[f"{first}_verdict"] != row[f"{second}_verdict"]:
        return f"**differs**: {reason or 'no reason written yet (docs/paper_preset_reasons.csv)'}"
    return f"— ({reason})" if reason else "—"


def table(compared: pd.DataFrame, reasons: pd.DataFrame, first: str = "quick", second: str = "paper") -> str:
    """The markdown table: talk, figure, claim (with its kind where not a claim), each preset's cell, why."""
    for preset in (first, second):
        if f"{preset}_verdict" not in compared.columns:
            raise ValueError(
                f"the compared claims have no {preset} columns: both presets' claims are needed "
                f"(`snakemake --cores 1 paper_preset_page` makes the quick ones; the paper ones come from its runs)"
            )
    missing = {"figure", "id", "reason"} - set(reasons.columns)
    if missing:
        raise ValueError(f"docs/paper_preset_reasons.csv lacks the columns {sorted(missing)}")
    by_claim = {(str(r.figure), str(r.id)): " ".join(str(r.reason).split()) for r in reasons.itertuples()}
    lines = [
        f"| talk | figure | claim | {first} | {second} (value, verdict, seeds holding; each seed's margin) | why they differ |",
        "|---|---|---|---|---|---|",
    ]
    for _, row in compared[compared[f"{second}_verdict"] != "not run"].iterrows():  # figures not run: listed apart
        claim = str(row["claim"]).replace("|", "\\|")
        if row["kind"] != "claim":
            claim += f" *({row['kind']})*"
        lines.append(
            f"| {row['talk']} | {row['figure']} | {claim} | {cell(row, first, margins=False)} | "
            f"{cell(row, second, margins=True)} | {why(row, by_claim, first, second)} |"
        )
    return "\n".join(lines)


def summary(compared: pd.DataFrame, first: str = "quick", second: str = "paper") -> str:
    """One line: how many claims each preset ran, how many verdicts differ, how many are fragile under ``second``."""
    claims = compared[compared["kind"] == "claim"]
    ran = claims[~claims[f"{second}_verdict"].isin(NOT_RUN)]
    both = ran[~ran[f"{first}_verdict"].isin(NOT_RUN)]
    differ = int((both[f"{first}_verdict"] != both[f"{second}_verdict"]).sum())
    holds = int((ran[f"{second}_verdict"] == "holds").sum())
    shaky = sum(fragile(row, second) for _, row in ran.iterrows())
    not_run = list(dict.fromkeys(compared.loc[compared[f"{second}_verdict"] == "not run", "figure"]))
    return (
        f"Under {second}: {len(ran)} of {len(claims)} claims run, {holds} hold; {differ} verdicts differ from "
        f"{first}'s; {shaky} hold in some {second} seeds only (fragile). Checks, theory and stand-in rows are "
        "listed with their kind and not counted."
        + (f" Not yet run under {second} with the current code: {', '.join(not_run)}." if not_run else "")
    )


def keep_paper_claims(tables: list[pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write each paper claims table, one file per figure, into ``folder`` (``<talk>/<figure>.csv``,
    the committed record of the paper runs, replacing that figure's earlier one); the paths written."""
    written = []
    for table in tables:
        for (talk, figure), rows in table.groupby(["talk", "figure"], sort=False):
            path = Path(folder) / str(talk) / f"{figure}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(path) as tmp:
                rows.to_csv(tmp, index=False)
            written.append(path)
    return written


def kept_paper_claims(folder: str | Path) -> list[pd.DataFrame]:
    """The paper claims tables kept in ``folder``, one per figure."""
    return [pd.read_csv(path) for path in sorted(Path(folder).glob("*/*.csv"))]


def cost_table(cost: pd.DataFrame) -> str:
    """The measured cost of the paper runs' finished jobs, per talk, beside the cost table's
    projection (``cost``: what ``bench/run_cost.py logs/paper --out …`` writes)."""
    missing = [column for column in COST_COLUMNS if column not in cost.columns]
    if missing:
        raise ValueError(f"the measured cost table lacks the columns {missing} (bench/run_cost.py --out writes it)")
    dates = sorted({day for days in cost["measured"].astype(str) for day in days.split()})
    folders = sorted(set(cost["logs"].astype(str)))
    lines = [
        f"Measured on {', '.join(dates)} from the logs of the jobs finished under `{', '.join(folders)}`, "
        "each job kept in a ledger so that it counts after its log is gone "
        "(`python bench/run_cost.py logs/paper --jobs docs/paper_run_jobs.csv --out docs/paper_run_cost.csv`; "
        "a job that ran again replaces its row): step time and CPU time, one "
        "thread per job, every attempt of a job resumed from its checkpoint counted (attempts before "
        "2026-12-07 only the last), beside the cost table's projection for the same seeds. Jobs still "
        "running are not in it: a talk whose run is still going is below its projection for that reason.",
        "",
        "| talk | jobs finished | seeds | step hours | CPU hours | projected (docs/paper_cost.csv) |",
        "|---|---|---|---|---|---|",
    ]
    for row in cost.itertuples():
        seeds = "" if pd.isna(row.seeds) else " ".join(str(int(float(seed))) for seed in str(row.seeds).split())
        no_cpu = (
            f" ({int(row.jobs_without_cpu)} without CPU time: their step time counted)" if row.jobs_without_cpu else ""
        )
        lines.append(
            f"| {row.talk} | {int(row.jobs)}{no_cpu} | {seeds or '—'} | {float(row.step_hours):.2f} | "
            f"{float(row.cpu_hours):.2f} | {row.projection} |"
        )
    return "\n".join(lines)


def gallery_table(drawn: list[dict], folder: str) -> str:
    """Which figures of the gallery ``folder`` were drawn by their plot's current code
    (``drawn``: :func:`deepinside.publish.figure_table.drawn_by`), which by earlier code, and which
    are not drawn yet."""
    current = [row for row in drawn if row["current"]]
    earlier = [row for row in drawn if row["drawn"] and not row["current"]]
    absent = [row for row in drawn if not row["drawn"]]
    lines = [
        f"Of the {len(drawn)} figures of the talks, `{folder}` holds {len(current) + len(earlier)}: "
        f"{len(current)} drawn by their plot's current code, {len(earlier)} by earlier code (the code in "
        "the footer is not the plot's code now, so the figure is redrawn when its run is made again); "
        f"not drawn yet: {', '.join(row['figure'] for row in absent) or 'none'}."
    ]
    if earlier:
        lines += ["", "| figure | drawn by code | its commit | the plot's code now |", "|---|---|---|---|"]
        lines += [
            f"| {row['talk']} {row['figure']} | {row['code'] or '—'} | {row['commit'] or '—'} | {row['current_code']} |"
            for row in earlier
        ]
    return "\n".join(lines)


def paper_preset_page(
    quick: list[pd.DataFrame],
    reasons: pd.DataFrame,
    page: str,
    kept: str,
    paper: list[pd.DataFrame] = (),
    cost: pd.DataFrame | None = None,
    figures_table: str | None = None,
    gallery: str | None = None,
    checkpoints: str | None = None,
) -> dict:
    """The workflow's ``paper_preset_page`` step: the paper claims this checkout's runs made
    (``paper``, per figure) are kept in ``kept`` (committed, so that the page can be remade where
    those results are gone), then every kept figure is compared with this quick run's claims
    (:func:`deepinside.steps.gather.compare_presets`) and the table is written into ``page`` in
    place, between its markers, and returned as the step's output. With ``cost`` (the measured
    cost of the paper runs, :func:`cost_table`) the page's cost section is rewritten too, and with
    ``figures_table`` and ``gallery`` its gallery section: which of the gallery's figures were drawn
    by their plot's current code (:func:`gallery_table`), and with ``checkpoints`` the runs in progress
    (:func:`deepinside.publish.carried_runs.progress_table`)."""
    from deepinside.steps.gather import compare_presets

    paper = [paper] if isinstance(paper, pd.DataFrame) else list(paper)
    keep_paper_claims(paper, kept)
    tables = kept_paper_claims(kept)
    if not tables:
        raise ValueError(f"no paper claims: none in results/paper/<talk>/claims/ nor kept in {kept}")
    quick = [quick] if isinstance(quick, pd.DataFrame) else list(quick)
    compared = compare_presets(quick + tables, ["quick"] * len(quick) + ["paper"] * len(tables))["table"]
    text = summary(compared) + "\n\n" + table(compared, reasons)
    path = Path(page)
    content = status_sections(
        readme_claims.update(path.read_text(), text, START, END, name=page),
        page,
        cost,
        figures_table,
        gallery,
        checkpoints,
    )
    with atomic_output(path) as tmp:
        tmp.write_text(content)
    return {"table": text + "\n"}


def status_sections(
    content: str,
    page: str,
    cost: pd.DataFrame | None = None,
    figures_table: str | None = None,
    gallery: str | None = None,
    checkpoints: str | None = None,
) -> str:
    """``content`` (the paper page, named ``page``) with its cost section rewritten from ``cost``, its
    gallery section from ``figures_table`` and ``gallery``, and its section on the runs in progress
    from the checkpoints carried in the folder ``checkpoints``, where given."""
    if checkpoints is not None:
        progress = carried_runs.progress_table(carried_runs.carried(Path(checkpoints)), checkpoints)
        content = readme_claims.update(content, progress, PROGRESS_START, PROGRESS_END, name=page)
    if cost is not None:
        content = readme_claims.update(content, cost_table(cost), COST_START, COST_END, name=page)
    if figures_table is not None and gallery is not None:
        drawn = figure_table.drawn_by(figure_table.load(figures_table), gallery)
        content = readme_claims.update(content, gallery_table(drawn, gallery), GALLERY_START, GALLERY_END, name=page)
    return content


def paper_preset_status(
    page: str, figures_table: str, gallery: str, cost: pd.DataFrame | None = None, checkpoints: str | None = None
) -> dict:
    """The workflow's ``paper_preset_status`` step: only the page's measured cost, gallery and
    runs-in-progress sections, which need no run's claims (a session whose quick results are gone
    can still say how far the paper runs are); returns the gallery section."""
    path = Path(page)
    content = status_sections(path.read_text(), page, cost, figures_table, gallery, checkpoints)
    with atomic_output(path) as tmp:
        tmp.write_text(content)
    drawn = figure_table.drawn_by(figure_table.load(figures_table), gallery)
    return {"gallery": gallery_table(drawn, gallery) + "\n"}
