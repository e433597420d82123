"""The Snakemake workflow: config validation, the DAG, one figure on demand, a real tiny run."""

import copy
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from deepinside.core import provenance
from deepinside.publish import figure_table, results_bundle

from conftest import REPO, TINY_CONFIG, dry_run_jobs, run_snakemake

pytestmark = pytest.mark.workflow

# Numerical jobs take config.yaml's `threads` (1): on CI's 2 cores, two run side by side.
CORES = "2"


def figures_of(talk):
    """The quick preset's paths of a talk's figures, from the figure table (workflow/figures.yaml)."""
    table = figure_table.load(REPO / "workflow" / "figures.yaml")
    return [f"figures/{talk}/{entry['file']}.png" for entry in table[talk].values()]


def tiny(figure):
    """Where a run of the tiny test preset draws a figure (results/tiny/figures/, the gallery untouched)."""
    return figure.replace("figures/", "results/tiny/figures/", 1)


SAXE_FIGURES = figures_of("saxe2019")


@pytest.mark.parametrize("preset", ["quick", "paper"])
def test_whole_dag_builds_for_both_presets(workdir, preset):
    # the paper preset's AlexNet reads ImageNet pictures a user puts here (their absence is refused: see below)
    (workdir / "resources/imagenet_pictures").mkdir(parents=True, exist_ok=True)
    (workdir / "docs").mkdir()
    shutil.copy2(REPO / "docs/paper_cost.csv", workdir / "docs/paper_cost.csv")
    result = run_snakemake(workdir, "-n", "--config", f"preset={preset}", tiny=False, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    # the paper preset says what it will cost, from the measured cost table, before any job
    assert ("Projected cost of this run (from docs/paper_cost.csv" in out) == (preset == "paper")
    if preset == "paper":
        assert "okatani2013   at most" in out and "× 3 seeds" in out and "total about" in out
        # one talk's figures as targets: the projection counts that talk alone
        one = run_snakemake(workdir, "-n", "--config", "preset=paper", "--", "P1", "P2", tiny=False, timeout=300)
        assert one.returncode == 0, one.stderr
        assert "each whole" in one.stderr and "ohzeki2015    at most" in one.stderr
        assert "okatani2013" not in one.stderr.split("Projected cost")[1].split("total about")[0]
    for figure in SAXE_FIGURES:  # drawn under results/<preset>/figures/, the gallery left alone
        assert figure.replace("figures/", f"results/{preset}/figures/") in out
    assert "publish_figure" not in out
    assert f"results/{preset}/claims.csv" in out and f"results/{preset}/seed2/okatani2013/dbn/rbm_layer1.pt" in out


# The quick preset runs saxe2019, okatani2013 and mototake2015 under 3 seeds (each
# figure draws seed 0 and combines the claims of all three), tishby2017 under one.
@pytest.mark.parametrize(
    "target, expected_jobs",
    [
        (
            "figures/tishby2017/T4_relu_and_kde.png",
            {
                "tishby2017_dataset": 1,
                "tishby2017_train": 2,
                "tishby2017_T4": 1,  # declared by its spec: the talk's shared steps, then its own
                "replicate_claims": 1,
                "figure": 1,
            },
        ),
        (
            "figures/mototake2015/M2_spectra_after_pretraining.png",
            {
                "mnist": 1,
                "okatani2013_pretrain_layer": 9,
                "mototake2015_dbn_spectra": 6,  # pre-trained and its untrained twin (M2's null)
                "mototake2015_M2": 3,  # declared by its spec: the talk's shared steps, then its own
                "replicate_claims": 1,
                "figure": 1,
            },
        ),
        (
            "figures/mototake2015/M6_alexnet_spectra.png",
            {
                "mnist": 1,
                "mototake2015_conv_net": 3,
                "mototake2015_pictures": 3,
                "mototake2015_alexnet_spectra": 3,
                "mototake2015_conv_net_untrained": 3,  # M6's null: the same net untrained
                "mototake2015_alexnet_spectra_untrained": 3,
                "mototake2015_M6": 3,
                "replicate_claims": 1,
                "figure": 1,
            },
        ),
        (  # M9 reads the noise layers' singular values only, not the full spectra jobs of M2-M5
            "figures/mototake2015/M9_noise_spectra.png",
            {
                "mnist": 1,
                "okatani2013_pretrain_layer": 9,
                "mototake2015_dbn_noise_spectra": 12,
                "mototake2015_conv_net": 3,
                "mototake2015_pictures": 3,
                "mototake2015_alexnet_spectra": 9,
                "mototake2015_M9": 3,
                "replicate_claims": 1,
                "figure": 1,
            },
        ),
        (
            "figures/okatani2013/O1_rbm_filters.png",
            {
                "mnist": 1,
                "okatani2013_pretrain_layer": 3,
                "okatani2013_O1": 3,
                "replicate_claims": 1,
                "figure": 1,
            },
        ),
        (
            "figures/okatani2013/O4_pretraining_vs_training_size.png",
            {
                "mnist": 1,
                "okatani2013_pretrain_layer": 9,
                "okatani2013_finetune": 24,
                "okatani2013_O4": 3,
                "replicate_claims": 1,
                "figure": 1,
            },
        ),
        (
            "figures/saxe2019/S4_low_rank_picture.png",
            {"image": 1, "saxe2019_S4": 1, "saxe2019_S4_values": 1, "replicate_claims": 1, "figure": 1},
        ),
        (
            "figures/saxe2019/S5_progressive_differentiation.png",
            {
                "saxe2019_S5_dataset": 3,
                "saxe2019_S5_training": 3,
                "saxe2019_S5_values": 3,
                "replicate_claims": 1,
                "figure": 1,
            },
        ),
    ],
)
def test_one_figure_runs_only_its_ancestors(workdir, target, expected_jobs):
    # the figure is drawn under results/quick/figures/ and copied into the gallery (figures/)
    assert dry_run_jobs(workdir, target, tiny=False) == {**expected_jobs, "publish_figure": 1}


@pytest.mark.parametrize(
    "override, named",
    [
        ("seed=abc", "config key 'seed'"),
        ("colour=red", "unknown config key 'colour'"),
        ("device=gpu", "config key 'device'"),
        ("threads=0", "config key 'threads'"),
        ("preset=huge", "config key 'preset'"),
        ("seed=1e3", "config key 'seed': 1000.0 is not of type 'integer'"),
    ],
)
def test_bad_config_stops_before_any_job_and_names_the_key(workdir, override, named):
    result = run_snakemake(workdir, "--cores", "1", "--config", override, tiny=False, timeout=300)
    assert result.returncode != 0
    assert named in result.stdout + result.stderr
    assert not (workdir / "results").exists() and not (workdir / "figures").exists()


def test_numerical_jobs_take_their_threads_from_the_config(workdir):
    target = "results/quick/seed0/okatani2013/samples/dbm_2layers.pt"
    default = run_snakemake(workdir, "-n", "--forceall", "--cores", "4", "--", target, tiny=False, timeout=300)
    raised = run_snakemake(
        workdir, "-n", "--forceall", "--cores", "4", "--config", "threads=3", "--", target, tiny=False, timeout=300
    )
    assert default.returncode == 0 and raised.returncode == 0, default.stderr + raised.stderr
    assert "threads:" not in default.stdout  # Snakemake names a job's threads only above 1
    assert "threads: 3" in raised.stdout


def test_a_config_file_with_a_key_written_twice_is_refused_naming_the_file(workdir):
    mine = workdir / "mine.yaml"
    mine.write_text("preset: quick\nseed: 1\nseed: 2\n")
    result = run_snakemake(workdir, "-n", "--configfile", str(mine), tiny=False, timeout=300)
    assert result.returncode != 0
    assert f"{mine}, line 3: key 'seed' is written twice" in result.stdout + result.stderr
    assert not (workdir / "results").exists()


def test_the_paper_presets_missing_pictures_stop_the_run_that_needs_them_before_any_job(workdir):
    assert not (workdir / "resources/imagenet_pictures").exists()
    needs = run_snakemake(
        workdir, "-n", "--config", "preset=paper", "--", "figures/paper/mototake2015/M6_alexnet_spectra.png", tiny=False
    )
    assert needs.returncode != 0
    assert "Missing input files for rule mototake2015_pictures" in needs.stdout + needs.stderr
    assert "resources/imagenet_pictures" in needs.stdout + needs.stderr
    other = run_snakemake(
        workdir, "-n", "--config", "preset=paper", "--", "figures/paper/saxe2019/S4_low_rank_picture.png", tiny=False
    )
    assert other.returncode == 0, other.stderr[-2000:]


def test_nested_unknown_key_is_named_with_its_path(workdir):
    bad = workdir / "bad.yaml"
    bad.write_text("presets:\n  quick:\n    saxe2019:\n      four_items:\n        tmax: 3\n")
    result = run_snakemake(workdir, "-n", "--configfile", str(bad), tiny=False, timeout=300)
    assert result.returncode != 0
    assert "presets.quick.saxe2019.four_items.tmax" in result.stdout + result.stderr
    assert "did you mean 't_max'?" in result.stdout + result.stderr  # the nearest valid key
    # a key wrong in quick is wrong in every preset built on it: named where the user wrote it
    bad.write_text("presets:\n  quick:\n    okatani2013:\n      samples:\n        dbm:\n          epochz: 1\n")
    result = run_snakemake(workdir, "-n", "--configfile", str(bad), tiny=False, timeout=300)
    assert "'presets.quick.okatani2013.samples.dbm.epochz' (did you mean 'epochs'?)" in result.stdout + result.stderr


def test_saxe2019_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "saxe2019")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in SAXE_FIGURES:
        path = workdir / tiny(figure)
        assert path.stat().st_size > 10_000, figure
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    claims = pd.read_csv(workdir / "results/tiny/saxe2019/claims.csv")
    assert claims["kind"].isin(["claim", "check", "theory", "stand-in"]).all()  # every row is classified
    assert set(claims["figure"]) == {"S1", "S2", "S3", "S4", "S5"}
    assert set(claims["verdict"]) <= {"holds", "fails", "not established"}
    assert claims["measured"].notna().all()
    # the tiny preset really was used (8-rank picture of coins, not 50 ranks of camera); S4 runs once
    errors = pd.read_csv(workdir / "results/tiny/saxe2019/S4/errors.csv")
    assert len(errors) == 8
    # nothing half-written: no temporary files left anywhere
    assert not list(workdir.rglob("*.part.*"))
    # a second run has nothing to do
    again = run_snakemake(workdir, "--cores", CORES, "saxe2019", "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
    # two seeds ran as separate jobs; every claim reports them, and what made it
    assert (workdir / "results/tiny/seed1/saxe2019/S2/deep.csv").exists()
    once = claims["figure"].isin(["S1", "S4"])  # deterministic: one run, not one per seed
    assert set(claims[~once]["n_seeds"]) == {2} and set(claims[once]["n_seeds"]) == {1}
    assert (claims["holds_in"] <= claims["n_seeds"]).all()
    assert set(provenance.FIELDS) <= set(claims.columns) and set(claims[~once]["seeds"].astype(str)) == {"0 1"}
    meta = provenance.read_png_metadata(workdir / tiny(SAXE_FIGURES[1]))
    assert meta["preset"] == "tiny" and meta["seeds"].startswith("0 1") and meta["code"] != "unversioned"
    # the report holds every figure of the run, each with its caption, and the talk's claims page
    report = run_snakemake(workdir, "--report", "report.zip", "--", "saxe2019")
    assert report.returncode == 0, report.stderr[-3000:]
    with zipfile.ZipFile(workdir / "report.zip") as archive:
        names = archive.namelist()
        page = archive.read("report/report.html").decode()
        claims_page = next(archive.read(n).decode() for n in names if n.endswith("/claims.html"))
    table = figure_table.load(workdir / "workflow/figures.yaml")["saxe2019"]
    for figure in SAXE_FIGURES:
        assert sum(name.endswith("/" + Path(figure).name) for name in names) == 1, figure
        claim = table[Path(figure).name[:2]]["claim"][:40]  # the caption, from the figure table
        assert claim in page, claim
    assert "S4" in claims_page and "seeds holding" in claims_page and "Made by" in claims_page


def test_a_second_preset_runs_beside_the_first_and_the_two_are_compared(workdir):
    """Presets write to their own folders: running one never touches the other's files."""
    settings = yaml.safe_load(TINY_CONFIG.read_text())
    other = copy.deepcopy(settings["presets"]["tiny"])
    other["figures"] = "figures/other"
    other["replicates"]["saxe2019"] = [5]
    settings["presets"]["other"] = other
    config = workdir / "two_presets.yaml"
    config.write_text(yaml.safe_dump(settings))

    def build(target, preset=None, cores=CORES):
        """Make ``target`` under the two-preset config (its default preset unless ``preset`` is given)."""
        chosen = ("--config", f"preset={preset}") if preset else ()
        run = run_snakemake(workdir, "--cores", cores, "--configfile", str(config), *chosen, "--", target, tiny=False)
        assert run.returncode == 0, run.stderr[-3000:]

    build("figures/tiny/saxe2019/S4_low_rank_picture.png")
    made = {path: path.read_bytes() for path in (workdir / "results/tiny").rglob("*") if path.is_file()}
    first_figure = workdir / "figures/tiny/saxe2019/S4_low_rank_picture.png"
    made[first_figure] = first_figure.read_bytes()

    build("figures/other/saxe2019/S4_low_rank_picture.png", "other")
    assert (workdir / "results/other/saxe2019/S4/errors.csv").exists()
    assert {path: path.read_bytes() for path in made} == made  # the first preset's files, byte for byte
    assert provenance.read_png_metadata(workdir / "figures/other/saxe2019/S4_low_rank_picture.png")["preset"] == "other"

    # claims of both presets side by side (each preset's saxe2019 claims are needed)
    for preset in ("tiny", "other"):
        build(f"results/{preset}/saxe2019/claims.csv", preset)

    def compare():
        build("results/claims_by_preset/saxe2019.csv", "other", cores="1")
        return pd.read_csv(workdir / "results/claims_by_preset/saxe2019.csv")

    table = compare()
    assert {"other_verdict", "tiny_verdict", "other_seeds_holding", "tiny_margins"} <= set(table.columns)
    seeded = table[~table["figure"].isin(["S1", "S4"])]
    assert set(seeded["tiny_seeds_holding"].str.split(" of ").str[1]) == {"2"}
    assert set(seeded["other_seeds_holding"].str.split(" of ").str[1]) == {"1"}

    # a preset that made only some of the talk's figures (no talk table) compares on those
    (workdir / "results/tiny/saxe2019/claims.csv").unlink()
    (workdir / "results/tiny/saxe2019/claims/S4.csv").unlink()
    partly = compare()
    assert len(partly) == len(table)
    assert set(partly.loc[partly["figure"] == "S4", "tiny_verdict"]) == {"not run"}
    assert not set(partly.loc[partly["figure"] != "S4", "tiny_verdict"]) & {"not run", "no such claim"}


def test_a_preset_may_not_share_another_presets_figures_folder(workdir):
    bad = workdir / "bad.yaml"
    bad.write_text("presets:\n  paper:\n    figures: figures\n")
    result = run_snakemake(workdir, "-n", "--configfile", str(bad), tiny=False, timeout=300)
    assert result.returncode != 0 and "presets.quick.figures" in result.stdout + result.stderr


OKATANI_FIGURES = figures_of("okatani2013")


def test_okatani2013_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "okatani2013")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in OKATANI_FIGURES:
        assert (workdir / tiny(figure)).stat().st_size > 10_000, figure
    claims = pd.read_csv(workdir / "results/tiny/okatani2013/claims.csv")
    assert set(claims["figure"]) == {"O1", "O2", "O3", "O4", "O5"}
    # every row has a value, but a likelihood that AIS could not establish (its log Z shown short) has none
    unestablished = claims["note"].str.contains("not established: AIS", na=False)
    assert claims[~unestablished]["measured"].notna().all() and set(claims["kind"]) <= {"claim", "check"}
    # O3 judges samples of the PCD RBM and of both DBMs (two rows each), and sets each DBM's AIS likelihood beside the paper's
    o3 = claims[claims["figure"] == "O3"]["claim"]
    assert (
        sum("RBM (PCD)" in c for c in o3) == 2
        and sum("2-layer DBM" in c for c in o3) == 3
        and sum("3-layer DBM" in c for c in o3) == 3
    )
    coverage = pd.read_csv(workdir / "results/tiny/seed0/okatani2013/samples/coverage.csv")
    assert sorted(coverage["gibbs_steps"].unique()) == [5, 20, 40] and set(coverage["model"]) == {
        "RBM (PCD)",
        "2-layer DBM",
        "3-layer DBM",
    }
    dbm_history = pd.read_csv(workdir / "results/tiny/seed0/okatani2013/samples/dbm_3layers_history.csv")
    assert list(dbm_history["phase"].unique()) == ["pre-training", "joint"] and sorted(
        dbm_history["layer"].unique()
    ) == [1, 2, 3]
    # the layer chain: layer 3 was trained on layer 2's activities (16 units on top of 24)
    history = pd.read_csv(workdir / "results/tiny/seed0/okatani2013/dbn/rbm_layer3_history.csv")
    assert list(history["layer"].unique()) == [3]
    # O3's header: the DBMs' joint updates beside the reference's 180,000 (the tiny preset makes far fewer)
    scale = pd.read_csv(workdir / "results/tiny/seed0/okatani2013/O3/dbm_updates.csv")
    assert scale.loc[0, "updates"] < scale.loc[0, "reference_updates"] == 180_000
    errors = pd.read_csv(workdir / "results/tiny/seed0/okatani2013/O4/errors_by_size.csv")
    assert sorted(errors["n_train"].unique()) == [50, 4000]
    # every training run recorded the device it ran on, and no checkpoint was left behind
    assert history["device"].str.startswith(("cpu", "cuda")).all()
    assert not list((workdir / "results").rglob("checkpoints/*.pt"))


MOTOTAKE_FIGURES = figures_of("mototake2015")


def test_mototake2015_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "mototake2015")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in MOTOTAKE_FIGURES:
        assert (workdir / tiny(figure)).stat().st_size > 10_000, figure
    claims = pd.read_csv(workdir / "results/tiny/mototake2015/claims.csv")
    assert claims["kind"].isin(["claim", "check", "theory", "stand-in"]).all()  # every row is classified
    assert set(claims["figure"]) == {f"M{i}" for i in range(1, 10)}
    assert claims["measured"].notna().all()
    spectra = pd.read_csv(workdir / "results/tiny/seed0/mototake2015/dbn_spectra/pretrained_noise0.0.csv")
    # 3 images x (input->h1, h2, h3: 32, 24, 16 singular values; h1->h2: 24; h2->h3: 16)
    assert len(spectra) == 3 * (32 + 24 + 16 + 24 + 16)
    assert spectra["device"].str.startswith(("cpu", "cuda")).all()
    alex = pd.read_csv(workdir / "results/tiny/seed0/mototake2015/M6/spectra_clean.csv")
    assert sorted(alex["layer"].unique()) == list(range(1, 8)) and alex["index"].max() == 3
    # M8 perturbs both networks along data-defined directions
    agreement = pd.read_csv(workdir / "results/tiny/seed0/mototake2015/M8/agreement.csv")
    assert set(agreement["network"]) == {"dbn", "conv"} and set(agreement["direction"]) == {"tangent", "normal"}
    assert (claims["figure"] == "M8").sum() == 2
    # M4 per layer; M6 and M7 against the untrained twin of the conv net
    assert (claims["figure"] == "M4").sum() == 3
    assert all("untrained twin" in c for c in claims[claims["figure"].isin(["M6", "M7"])]["claim"])
    # the MNIST-trained AlexNet-shaped net is a stand-in for ImageNet's AlexNet; M1's pixels row is a check
    assert set(claims[claims["figure"].isin(["M6", "M7"])]["kind"]) == {"stand-in"}
    assert claims.set_index("id").loc["pixels_separate", "kind"] == "check"


TISHBY_FIGURES = figures_of("tishby2017")


def test_tishby2017_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "tishby2017")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in TISHBY_FIGURES:
        assert (workdir / tiny(figure)).stat().st_size > 10_000, figure
    claims = pd.read_csv(workdir / "results/tiny/tishby2017/claims.csv")
    assert claims["kind"].isin(["claim", "check", "theory", "stand-in"]).all()  # every row is classified
    assert set(claims["figure"]) == {"T1", "T2", "T3", "T4"}
    info = pd.read_csv(workdir / "results/tiny/seed0/tishby2017/runs/tanh_f0.5_d2/information.csv")
    assert set(info["estimator"]) == {"binning", "binning_fixed", "kde"} and set(info["layer"]) == {1, 2}
    assert info["member"].nunique() == 2
    # runs outside T4's comparison skip the costly KDE
    assert set(
        pd.read_csv(workdir / "results/tiny/seed0/tishby2017/runs/tanh_f0.1_d2/information.csv")["estimator"]
    ) == {"binning", "binning_fixed"}
    assert set(claims[claims["figure"] == "T1"]["kind"]) == {"claim", "check"}
    assert (info["I_XT"] <= 12 + 1e-9).all() and (info["I_TY"] >= -1e-9).all()


def test_ohzeki2015_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "ohzeki2015")
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("P1_error_vs_unlabelled_data", "P2_error_vs_labelled_data"):
        assert (workdir / f"results/tiny/figures/ohzeki2015/{name}.png").stat().st_size > 10_000
    claims = pd.read_csv(workdir / "results/tiny/ohzeki2015/claims.csv")
    assert set(claims["figure"]) == {"P1", "P2"} and set(claims["kind"]) == {"claim", "check", "theory"}
    points = pd.read_csv(workdir / "results/tiny/seed0/ohzeki2015/gamp/k0.25_a0.5_N60.csv")
    assert set(points["init"]) == {"uninformative", "informative"} and points["instance"].nunique() == 2
    diagram = pd.read_csv(workdir / "results/tiny/seed0/ohzeki2015/theory/k0.25_a0.5.csv")
    assert diagram.groupby("beta")["equilibrium"].sum().eq(1).all()  # one equilibrium per β


@pytest.mark.parametrize(
    "section, named",
    [
        ("ohzeki2015:\n      gamp:\n        kappas: [0.3]", "presets.quick.ohzeki2015.gamp.kappas"),
        ("tishby2017:\n      depth: 9", "presets.quick.tishby2017.depth"),
        ("mototake2015:\n      jacobian:\n        vector_layer: 4", "presets.quick.mototake2015.jacobian.vector_layer"),
        ("mnist: {source: local, folder: null}", "presets.quick.mnist.folder"),
        ("mnist: {source: local, folder: /nowhere/MNIST/raw}", "presets.quick.mnist.folder"),
    ],
)
def test_settings_that_contradict_each_other_are_named(workdir, section, named):
    bad = workdir / "bad.yaml"
    bad.write_text("presets:\n  quick:\n    " + section + "\n")
    result = run_snakemake(workdir, "-n", "--configfile", str(bad), tiny=False, timeout=300)
    assert result.returncode != 0 and named in result.stdout + result.stderr


def test_expensive_steps_are_taken_from_a_shared_output_cache(workdir, tmp_path_factory):
    """Two clones sharing SNAKEMAKE_OUTPUT_CACHE: the second one does not train again."""
    cache = tmp_path_factory.mktemp("output_cache")
    second = tmp_path_factory.mktemp("second_clone")
    for name in ("Snakefile", "config.yaml", "workflow", "profiles", "envs", "src"):
        source = workdir / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, second / name)
    target = "results/tiny/seed0/okatani2013/dbn/rbm_layer1.pt"
    env = {"SNAKEMAKE_OUTPUT_CACHE": str(cache)}
    first = run_snakemake(workdir, "--cores", "2", "--cache", "--", target, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"Moving output file {target} to cache" in first.stdout + first.stderr
    # the RBM and its history, named by their provenance hash, each with its SHA-256 sidecar
    assert len(list(cache.iterdir())) == 4

    again = run_snakemake(second, "--cores", "2", "--cache", "--", target, env=env)
    out = again.stdout + again.stderr
    assert again.returncode == 0, out[-3000:]
    assert f"Symlinking output file {target} from cache" in out and "Moving output file" not in out
    assert (second / target).is_symlink() and (second / target).resolve().parent == cache.resolve()
    assert (second / (target + ".sha256")).is_symlink()  # the digest came with it
    log = second / "logs/tiny/seed0/okatani2013_pretrain_layer/layer1.log"
    assert not log.exists() or "RBM" not in log.read_text()  # the step itself never ran there

    # a corrupt cache entry is refused by the job that reads it, naming the file
    entry = (second / target).resolve()
    data = bytearray(entry.read_bytes())
    data[-300] ^= 1
    entry.write_bytes(bytes(data))
    layer2 = target.replace("layer1", "layer2")
    broken = run_snakemake(second, "--cores", "2", "--cache", "--", layer2, env=env)
    assert broken.returncode != 0
    log2 = (second / "logs/tiny/seed0/okatani2013_pretrain_layer/layer2.log").read_text()
    assert f"{target}: its SHA-256 is" in log2 and not (second / layer2).exists()
    # the message names the cache entry and how to remove it; following it works
    assert f"output-cache entry {entry}" in log2
    command = log2.split("(rm ", 1)[1].split(")", 1)[0].split()
    assert str(entry) in command and target in command
    for path in command:
        (second / path if not Path(path).is_absolute() else Path(path)).unlink()
    fixed = run_snakemake(second, "--cores", "2", "--cache", "--", layer2, env=env)
    assert fixed.returncode == 0, (fixed.stdout + fixed.stderr)[-3000:]
    assert (second / layer2).exists() and (second / target).resolve().read_bytes() != bytes(data)


def test_a_results_bundle_lets_a_fresh_clone_draw_only_the_figures(workdir, tmp_path_factory):
    made = run_snakemake(workdir, "--cores", CORES, "--", "results/bundles/tiny-saxe2019.tar.gz")
    assert made.returncode == 0, made.stderr[-3000:]
    manifest = json.loads((workdir / "results/bundles/tiny-saxe2019.json").read_text())
    paths = {entry["path"] for entry in manifest["files"]}
    assert "results/tiny/saxe2019/claims.csv" in paths and "results/tiny/seed1/saxe2019/S2/deep.csv" in paths
    assert not any("checkpoints" in path for path in paths)
    assert set(provenance.FIELDS) <= set(manifest["provenance"])

    clone = tmp_path_factory.mktemp("fresh_clone")
    for name in ("Snakefile", "config.yaml", "workflow", "profiles", "envs"):
        source = workdir / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, clone / name)
    results_bundle.unpack(workdir / "results/bundles/tiny-saxe2019.tar.gz", clone)
    drawing_only = {"figure": 5, "talk_claims_page": 1, "saxe2019": 1}
    assert dry_run_jobs(clone, "saxe2019", forceall=False) == drawing_only  # figures and the claims page
    # a damaged file in the clone is not silently replaced
    (clone / "results/tiny/saxe2019/claims.csv").write_text("edited\n")
    with pytest.raises(FileExistsError, match="claims.csv"):
        results_bundle.unpack(workdir / "results/bundles/tiny-saxe2019.tar.gz", clone)


def test_rule_files_are_formatted_and_lint_clean(workdir):
    formatted = subprocess.run(
        [str(Path(sys.executable).with_name("snakefmt")), "--check", "Snakefile", "workflow/rules"],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    lint = run_snakemake(workdir, "--lint", tiny=False, timeout=300)
    out = lint.stdout + lint.stderr
    # no talk has a rule file of its own any more (every figure is declared by its spec): no lint at all
    assert "Lints for " not in out and "Traceback" not in out, out


def test_python_is_formatted_and_lint_clean():
    """ruff (pinned in envs/requirements.txt, configured in pyproject.toml) over src, tests, bench and the adapter."""
    ruff = str(Path(sys.executable).with_name("ruff"))
    repo = Path(__file__).resolve().parents[1]
    lint = subprocess.run([ruff, "check", "--no-cache", "."], cwd=repo, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = subprocess.run([ruff, "format", "--check", "--no-cache", "."], cwd=repo, capture_output=True, text=True)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_a_users_variant_is_a_small_overlay_and_its_bad_keys_are_named(workdir):
    mine = workdir / "mine.yaml"
    mine.write_text(
        "preset: mine\npresets:\n  mine:\n    figures: figures/mine\n    saxe2019:\n      four_items:\n        t_max: 3.0\n"
    )
    run = run_snakemake(workdir, "-n", "--configfile", str(mine), "--", "saxe2019", tiny=False, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "results/mine/figures/saxe2019/S2_deep_mode_dynamics.png" in run.stdout
    mine.write_text("presets:\n  paper:\n    saxe2019:\n      four_items:\n        tmax: 3\n")
    bad = run_snakemake(workdir, "-n", "--configfile", str(mine), tiny=False, timeout=300)
    assert bad.returncode != 0 and "presets.paper.saxe2019.four_items.tmax" in bad.stdout + bad.stderr


def test_a_run_with_overrides_records_its_effective_config_and_says_so(workdir):
    figure = "figures/saxe2019/S1_hierarchy_svd.png"
    run = run_snakemake(workdir, "--cores", CORES, "--config", "seed=5", "--", figure, tiny=False, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    effective = (workdir / "results/quick/config.effective.yaml").read_text()
    digest = effective.split()[2].rstrip(":")
    assert yaml.safe_load(effective)["seed"] == 5 and len(digest) == 12
    meta = provenance.read_png_metadata(workdir / figure)
    assert meta["preset"] == "quick + overrides" and meta["config"] == digest
    rows = pd.read_csv(workdir / "results/quick/saxe2019/claims/S1.csv")
    assert set(rows["config"]) == {digest} and set(rows["preset"]) == {"quick + overrides"}
    assert "eligible for caching" not in run.stdout + run.stderr  # no --cache: no line per cacheable rule


def test_editing_a_claim_reruns_claims_figures_and_pages_only(workdir):
    """A threshold in the claims table, or a claim's measuring function, is not a training job's input."""
    target = "figures/tiny/mototake2015/M2_spectra_after_pretraining.png"
    made = run_snakemake(workdir, "--cores", CORES, "--", target)
    assert made.returncode == 0, made.stderr[-3000:]
    table_path = workdir / "workflow/figures.yaml"
    table = yaml.safe_load(table_path.read_text())
    (row,) = [row for row in table["mototake2015"]["M2"]["claims"] if row.get("threshold") == 5]
    row["threshold"] = 4
    table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
    measure = workdir / "src/deepinside/steps/mototake2015_claims.py"
    measure.write_text(measure.read_text() + "\n# an edit to how claims are measured\n")
    # the light step that measures M2's values (per seed), its claims and the figure: no training, no spectra
    assert dry_run_jobs(workdir, target, forceall=False) == {
        "mototake2015_M2": 1,
        "replicate_claims": 1,
        "figure": 1,
        "publish_figure": 1,
    }


def test_a_report_before_any_run_says_what_to_run_first(workdir):
    shutil.copytree(REPO / "figures", workdir / "figures")  # a fresh clone has the committed figures, no results
    result = run_snakemake(workdir, "--report", "report.html", tiny=False, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "run `snakemake --cores all` first" in out
    assert "pandas" not in out  # no library traceback
    assert "never awaited" not in out  # the workflow profile states disk_mb, so no coroutine warning


def test_a_figure_can_be_asked_for_by_its_id(workdir):
    by_id = dry_run_jobs(workdir, "S4", tiny=False)
    by_path = dry_run_jobs(workdir, "figures/saxe2019/S4_low_rank_picture.png", tiny=False)
    assert {**by_id, "publish_figure": 1} == {**by_path, "S4": 1}  # by id: drawn, not published


def test_a_run_leaves_the_gallery_alone_and_publish_copies_into_it(workdir):
    """A figure asked for by its id is drawn under results/; only its gallery path (or
    `publish`) writes the preset's figures folder, with the same bytes."""
    drawn = workdir / "results/tiny/figures/saxe2019/S4_low_rank_picture.png"
    gallery = workdir / "figures/tiny/saxe2019/S4_low_rank_picture.png"
    run = run_snakemake(workdir, "--cores", CORES, "--", "S4")
    assert run.returncode == 0, run.stderr[-3000:]
    assert drawn.stat().st_size > 10_000 and not (workdir / "figures").exists()
    run = run_snakemake(workdir, "--cores", CORES, "--", "figures/tiny/saxe2019/S4_low_rank_picture.png")
    assert run.returncode == 0, run.stderr[-3000:]
    assert gallery.read_bytes() == drawn.read_bytes()
    assert dry_run_jobs(workdir, "S4", forceall=False) == {}  # nothing left to do


def test_the_workflow_evaluates_no_text_as_python():
    """Figures' inputs and settings are Python in the talks' rule files, not strings evaluated."""
    sources = [REPO / "Snakefile", *sorted((REPO / "workflow/rules").glob("*.smk"))]
    assert [str(path) for path in sources if "eval(" in path.read_text()] == []


def test_the_talk_and_figure_targets_come_from_the_figure_table_with_their_descriptions(workdir):
    """Each talk and each figure id is a target, described by `--list-rules`, none written by hand."""
    listed = run_snakemake(workdir, "--list-rules", tiny=False, timeout=300)
    assert listed.returncode == 0, listed.stderr
    lines = set(listed.stdout.splitlines())
    table = figure_table.load(workdir / "workflow/figures.yaml")
    for talk, figures in table.items():
        assert f"{talk} (The figures {', '.join(figures)} of {talk} and its claims.)" in lines
        for figure_id, entry in figures.items():
            assert f"{figure_id} (Figure {figure_id} of {talk}, {entry['file']}.png (only its ancestors run).)" in lines


def test_a_talks_shared_steps_fill_their_wildcards_as_numbers_and_refuse_one_left_unfilled(workdir):
    """ohzeki2015's κ written as integers names the same files as written as floats (k1.0), and an
    input that leaves one of a shared step's wildcards unfilled is refused naming the figure."""
    overlay = workdir / "integers.yaml"
    overlay.write_text(
        "presets:\n  quick:\n    ohzeki2015:\n      kappas: [1, 0.75, 0.5, 0.25]\n      gamp:\n        kappas: [1]\n"
    )
    run = run_snakemake(workdir, "-n", "--forceall", "--configfile", str(overlay), "--", "P1", tiny=False, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "ohzeki2015/gamp/k1.0_a0.25_N100.csv" in out and "theory/k1_" not in out
    table_path = workdir / "workflow/figures.yaml"
    table = yaml.safe_load(table_path.read_text())
    del table["tishby2017"]["T2"]["compute"]["inputs"]["gradients"]["wildcards"]["layers"]
    table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
    bad = run_snakemake(workdir, "-n")
    assert bad.returncode != 0
    assert (
        "tishby2017.T2.inputs.gradients: 'train.gradients' leaves the wildcards ['layers']" in bad.stdout + bad.stderr
    )
    # a job_settings function that does not take the step's settings is refused before any job
    table["tishby2017"]["T2"]["compute"]["inputs"]["gradients"]["wildcards"]["layers"] = "tishby2017.depth"
    (train,) = [step for step in table["tishby2017"]["steps"] if step["name"] == "train"]
    train["keys"].remove("depth")
    table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
    bad = run_snakemake(workdir, "-n")
    assert bad.returncode != 0
    assert "tishby2017.steps.train: job_settings 'tishby2017_jobs:train_settings' does not take" in (
        bad.stdout + bad.stderr
    )


def test_inputs_read_under_conditions_take_each_jobs_own_and_noise_levels_written_as_integers(workdir):
    """mototake2015's spectra read the RBM stack only for the pre-trained stage and the fine-tuned net
    only for the fine-tuned one (a condition on the job's wildcard); whole-number noise levels name
    one job per level (M6's noise 0 and M9's are the same job); a condition naming a value the
    wildcard never takes is refused before any job, naming the figure."""
    overlay = workdir / "integers.yaml"
    overlay.write_text(
        "presets:\n  quick:\n    replicates: {mototake2015: [0]}\n    mototake2015:\n"
        "      jacobian: {noise_levels: [0, 1, 2]}\n      alexnet: {noise_levels: [0, 1]}\n"
    )
    run = run_snakemake(workdir, "-n", "--forceall", "--configfile", str(overlay), "--", "M2", "M6", "M9", tiny=False)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("job ") and "count" in line)
    jobs = {}
    for line in lines[start + 2 :]:
        if len(line.split()) != 2 or line.startswith("total"):
            break
        jobs[line.split()[0]] = int(line.split()[1])
    assert jobs["mototake2015_alexnet_spectra"] == 2 and jobs["mototake2015_dbn_noise_spectra"] == 3
    assert "okatani2013_finetune" not in jobs  # M2 reads the pre-trained stack and the untrained twin only
    assert "alexnet/spectra_noise0.csv" in out and "dbn_noise/pretrained_noise2.csv" in out
    table_path = workdir / "workflow/figures.yaml"
    table = yaml.safe_load(table_path.read_text())
    (spectra,) = [step for step in table["mototake2015"]["steps"] if step["name"] == "dbn_spectra"]
    spectra["inputs"]["model"]["when"] = {"stage": "fine-tuned"}
    table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
    bad = run_snakemake(workdir, "-n", tiny=False)
    assert bad.returncode != 0
    assert (
        "mototake2015.steps.dbn_spectra.inputs.model.when.stage: fine-tuned is not a value" in bad.stdout + bad.stderr
    )


def test_a_steps_own_outputs_below_its_job_read_the_same_in_a_list_or_under_a_condition(workdir):
    """okatani2013's DBN layers read the RBMs under their own layer ({below: layer}). Written inside a
    list of inputs, under a condition on the job's own layer, or both, each job reads the same files."""
    target = "results/tiny/seed0/okatani2013/dbn/rbm_layer3.pt"

    def inputs_by_layer():
        run = run_snakemake(workdir, "-n", "--forceall", "--", target)
        assert run.returncode == 0, run.stdout + run.stderr
        found, inputs = {}, None
        for line in run.stdout.splitlines():
            if line.strip().startswith("input:"):
                inputs = sorted(line.split(":", 1)[1].strip().split(", "))
            if line.strip().startswith("wildcards:") and "layer=" in line:
                found[line.rsplit("layer=", 1)[1].strip()] = inputs
        return found

    plain = inputs_by_layer()
    assert plain["3"] == [
        "results/tiny/data/mnist.npz",
        "results/tiny/seed0/okatani2013/dbn/rbm_layer1.pt",
        "results/tiny/seed0/okatani2013/dbn/rbm_layer2.pt",
    ]
    assert plain["1"] == ["results/tiny/data/mnist.npz"]
    table_path = workdir / "workflow/figures.yaml"
    original = table_path.read_text()
    for previous in (
        [{"output": "pretrain_layer.rbm", "wildcards": {"layer": {"below": "layer"}}}],
        {"output": "pretrain_layer.rbm", "wildcards": {"layer": {"below": "layer"}}, "when": {"layer": [2, 3]}},
        [{"output": "pretrain_layer.rbm", "wildcards": {"layer": {"below": "layer"}}, "when": {"layer": [2, 3]}}],
    ):
        table = yaml.safe_load(original)
        (step,) = [s for s in table["okatani2013"]["steps"] if s["name"] == "pretrain_layer"]
        step["inputs"]["previous"] = previous
        table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
        assert inputs_by_layer() == plain, previous
    table_path.write_text(original)


def test_a_figure_declared_by_its_spec_alone_builds_through_the_real_rules(workdir):
    """The worked example of docs/architecture.md: a sixth saxe2019 figure added by one entry of
    workflow/figures.yaml (its step, plot and measuring function exist already; a new figure
    adds them to steps/<talk>.py and plots/<talk>.py). Its rules are generated from the entry."""
    table_path = workdir / "workflow/figures.yaml"
    table = yaml.safe_load(table_path.read_text())
    claims = table["saxe2019"]["S2"]["claims"]
    table["saxe2019"]["S6"] = {
        "file": "S6_deep_modes_by_spec",
        "title": "worked example: the deep network's mode strengths, declared by the figure's spec alone",
        "shows": "Mode strengths of the deep linear network, as in S2.",
        "claim": "Stage-like learning.",
        "plot": "saxe2019:mode_dynamics",
        "kwargs": {"title": "S6 — the deep network's modes, declared by the spec alone"},
        "compute": {
            "step": "saxe2019:deep_dynamics",
            "settings": "saxe2019.four_items",
            "outputs": {"trajectory": "dynamics.csv"},
        },
        "values": "saxe2019_claims:deep_modes",
        "claims": claims,
    }
    table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
    assert dry_run_jobs(workdir, "S6") == {
        "saxe2019_S6": 2,  # the tiny preset's two seeds
        "saxe2019_S6_values": 2,
        "replicate_claims": 1,
        "figure": 1,
        "S6": 1,
    }
    run = run_snakemake(workdir, "--cores", CORES, "--", "S6")
    assert run.returncode == 0, run.stderr[-3000:]
    assert (workdir / "results/tiny/figures/saxe2019/S6_deep_modes_by_spec.png").stat().st_size > 10_000
    rows = pd.read_csv(workdir / "results/tiny/saxe2019/claims/S6.csv")
    assert list(rows["id"]) == [entry["id"] for entry in claims] and set(rows["n_seeds"]) == {2}
    # the talk's target and the README's counts follow: the talk now has six figures
    assert (
        "results/tiny/figures/saxe2019/S6_deep_modes_by_spec.png"
        in run_snakemake(workdir, "-n", "--forceall", "--", "saxe2019").stdout
    )
    # a spec that names no claims, or an output the table cannot place, is refused naming the figure
    del table["saxe2019"]["S6"]["claims"]
    table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
    bad = run_snakemake(workdir, "-n")
    assert bad.returncode != 0 and "saxe2019.S6: needs exactly ['claim', 'claims', 'compute'" in (
        bad.stdout + bad.stderr
    )
    # a setting the preset does not have is named with the figure, before any job
    table["saxe2019"]["S6"]["claims"] = claims
    table["saxe2019"]["S6"]["compute"]["settings"] = "saxe2019.four_itemz"
    table_path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False))
    bad = run_snakemake(workdir, "-n")
    assert bad.returncode != 0 and "saxe2019.S6: 'saxe2019.four_itemz' is not a setting of the preset" in (
        bad.stdout + bad.stderr
    )
