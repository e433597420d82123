"""The Snakemake workflow: config validation, the DAG, one figure on demand, a real tiny run."""

import pandas as pd
import pytest

from conftest import run_snakemake, dry_run_jobs

pytestmark = pytest.mark.workflow

# Training and Jacobian rules ask for 2 threads; on CI's 2 cores "--cores 2" would run
# them one at a time, each paying seconds of start-up. "--cores 4" overlaps two of them:
# the tests check results, not speed.
CORES = "4"

SAXE_FIGURES = [
    "figures/saxe2019/S1_hierarchy_svd.png",
    "figures/saxe2019/S2_deep_mode_dynamics.png",
    "figures/saxe2019/S3_shallow_mode_dynamics.png",
    "figures/saxe2019/S4_low_rank_picture.png",
    "figures/saxe2019/S5_progressive_differentiation.png",
]


@pytest.mark.parametrize("preset", ["quick", "paper"])
def test_whole_dag_builds_for_both_presets(workdir, preset):
    result = run_snakemake(workdir, "-n", "--config", f"preset={preset}", tiny=False, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    for figure in SAXE_FIGURES:
        assert figure in out
    assert "results/claims.csv" in out


@pytest.mark.parametrize(
    "target, expected_jobs",
    [
        (
            "figures/tishby2017/T4_relu_and_kde.png",
            {"tishby2017_dataset": 1, "tishby2017_train": 2, "tishby2017_relu_versus_tanh": 1, "tishby2017_figure_T4": 1},
        ),
        (
            "figures/mototake2015/M2_spectra_after_pretraining.png",
            {
                "mnist": 1,
                "okatani2013_pretrain_layer": 3,
                "mototake2015_dbn_spectra": 1,
                "mototake2015_steep_spectrum": 1,
                "mototake2015_figure_M2": 1,
            },
        ),
        (
            "figures/mototake2015/M6_alexnet_spectra.png",
            {
                "mnist": 1,
                "mototake2015_conv_net": 1,
                "mototake2015_pictures": 1,
                "mototake2015_alexnet_spectra": 7,
                "mototake2015_alexnet_steepness": 1,
                "mototake2015_figure_M6": 1,
            },
        ),
        (
            "figures/okatani2013/O1_rbm_filters.png",
            {"mnist": 1, "okatani2013_pretrain_layer": 1, "okatani2013_filters": 1, "okatani2013_figure_O1": 1},
        ),
        (
            "figures/okatani2013/O4_pretraining_vs_training_size.png",
            {
                "mnist": 1,
                "okatani2013_pretrain_layer": 3,
                "okatani2013_finetune": 8,
                "okatani2013_pretraining_benefit": 1,
                "okatani2013_figure_O4": 1,
            },
        ),
        (
            "figures/saxe2019/S4_low_rank_picture.png",
            {"image": 1, "saxe2019_low_rank": 1, "saxe2019_figure_S4": 1},
        ),
        (
            "figures/saxe2019/S5_progressive_differentiation.png",
            {"saxe2019_branching_dataset": 1, "saxe2019_progressive_differentiation": 1, "saxe2019_figure_S5": 1},
        ),
    ],
)
def test_one_figure_runs_only_its_ancestors(workdir, target, expected_jobs):
    assert dry_run_jobs(workdir, target, tiny=False) == expected_jobs


@pytest.mark.parametrize(
    "override, named",
    [
        ("seed=abc", "config key 'seed'"),
        ("colour=red", "unknown config key 'colour'"),
        ("device=gpu", "config key 'device'"),
        ("preset=huge", "config key 'preset'"),
    ],
)
def test_bad_config_stops_before_any_job_and_names_the_key(workdir, override, named):
    result = run_snakemake(workdir, "--cores", "1", "--config", override, tiny=False, timeout=300)
    assert result.returncode != 0
    assert named in result.stdout + result.stderr
    assert not (workdir / "results").exists() and not (workdir / "figures").exists()


def test_nested_unknown_key_is_named_with_its_path(workdir):
    bad = workdir / "bad.yaml"
    bad.write_text("presets:\n  quick:\n    saxe2019:\n      four_items:\n        tmax: 3\n")
    result = run_snakemake(workdir, "-n", "--configfile", str(bad), tiny=False, timeout=300)
    assert result.returncode != 0
    assert "presets.quick.saxe2019.four_items.tmax" in result.stdout + result.stderr


def test_saxe2019_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "saxe2019")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in SAXE_FIGURES:
        path = workdir / figure
        assert path.stat().st_size > 10_000, figure
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    claims = pd.read_csv(workdir / "results/saxe2019/claims.csv")
    assert set(claims["figure"]) == {"S1", "S2", "S3", "S4", "S5"}
    assert set(claims["holds"]) <= {"yes", "no"}
    assert claims["measured"].notna().all()
    # the tiny preset really was used (8-rank picture of coins, not 50 ranks of camera)
    errors = pd.read_csv(workdir / "results/saxe2019/low_rank/errors.csv")
    assert len(errors) == 8
    # nothing half-written: no temporary files left anywhere
    assert not list(workdir.rglob("*.part.*"))
    # a second run has nothing to do
    again = run_snakemake(workdir, "--cores", CORES, "saxe2019", "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


OKATANI_FIGURES = [
    "figures/okatani2013/O1_rbm_filters.png",
    "figures/okatani2013/O2_cd_vs_pcd_likelihood.png",
    "figures/okatani2013/O3_gibbs_samples.png",
    "figures/okatani2013/O4_pretraining_vs_training_size.png",
    "figures/okatani2013/O5_cnn_learning_curves.png",
]


def test_okatani2013_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "okatani2013")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in OKATANI_FIGURES:
        assert (workdir / figure).stat().st_size > 10_000, figure
    claims = pd.read_csv(workdir / "results/okatani2013/claims.csv")
    assert set(claims["figure"]) == {"O1", "O2", "O3", "O4", "O5"}
    assert claims["measured"].notna().all() and set(claims["kind"]) <= {"claim", "check"}
    # O3 judges samples of the PCD RBM and of both DBMs (two rows each)
    o3 = claims[claims["figure"] == "O3"]["claim"]
    assert sum("RBM (PCD)" in c for c in o3) == 2 and sum("2-layer DBM" in c for c in o3) == 2 and sum("3-layer DBM" in c for c in o3) == 2
    dbm_history = pd.read_csv(workdir / "results/okatani2013/samples/dbm_3layers_history.csv")
    assert list(dbm_history["phase"].unique()) == ["pre-training", "joint"] and sorted(dbm_history["layer"].unique()) == [1, 2, 3]
    # the layer chain: layer 3 was trained on layer 2's activities (16 units on top of 24)
    history = pd.read_csv(workdir / "results/okatani2013/dbn/rbm_layer3_history.csv")
    assert list(history["layer"].unique()) == [3]
    errors = pd.read_csv(workdir / "results/okatani2013/finetune/errors_by_size.csv")
    assert sorted(errors["n_train"].unique()) == [50, 4000]
    # every training run recorded the device it ran on, and no checkpoint was left behind
    assert history["device"].str.startswith(("cpu", "cuda")).all()
    assert not list((workdir / "results").rglob("checkpoints/*.pt"))


MOTOTAKE_FIGURES = [
    "figures/mototake2015/M1_tsne_3d.png",
    "figures/mototake2015/M2_spectra_after_pretraining.png",
    "figures/mototake2015/M3_singular_vectors_after_pretraining.png",
    "figures/mototake2015/M4_spectra_after_finetuning.png",
    "figures/mototake2015/M5_singular_vectors_after_finetuning.png",
    "figures/mototake2015/M6_alexnet_spectra.png",
    "figures/mototake2015/M7_alexnet_singular_vectors.png",
    "figures/mototake2015/M8_perturbation_robustness.png",
    "figures/mototake2015/M9_noise_spectra.png",
]


def test_mototake2015_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "mototake2015")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in MOTOTAKE_FIGURES:
        assert (workdir / figure).stat().st_size > 10_000, figure
    claims = pd.read_csv(workdir / "results/mototake2015/claims.csv")
    assert set(claims["figure"]) == {f"M{i}" for i in range(1, 10)}
    assert claims["measured"].notna().all()
    spectra = pd.read_csv(workdir / "results/mototake2015/dbn_spectra/pretrained_noise0.0.csv")
    # 3 images x (input->h1, h2, h3: 32, 24, 16 singular values; h1->h2: 24; h2->h3: 16)
    assert len(spectra) == 3 * (32 + 24 + 16 + 24 + 16)
    assert spectra["device"].str.startswith(("cpu", "cuda")).all()
    alex = pd.read_csv(workdir / "results/mototake2015/alexnet/spectra_clean.csv")
    assert sorted(alex["layer"].unique()) == list(range(1, 8)) and alex["index"].max() == 3
    # M8 perturbs both networks along data-defined directions
    agreement = pd.read_csv(workdir / "results/mototake2015/perturbation/agreement.csv")
    assert set(agreement["network"]) == {"dbn", "conv"} and set(agreement["direction"]) == {"tangent", "normal"}
    assert (claims["figure"] == "M8").sum() == 2


TISHBY_FIGURES = [
    "figures/tishby2017/T1_information_plane.png",
    "figures/tishby2017/T2_gradient_signal_and_noise.png",
    "figures/tishby2017/T3_depth_sweep.png",
    "figures/tishby2017/T4_relu_and_kde.png",
]


def test_tishby2017_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "tishby2017")
    assert result.returncode == 0, result.stderr[-3000:]
    for figure in TISHBY_FIGURES:
        assert (workdir / figure).stat().st_size > 10_000, figure
    claims = pd.read_csv(workdir / "results/tishby2017/claims.csv")
    assert set(claims["figure"]) == {"T1", "T2", "T3", "T4"}
    info = pd.read_csv(workdir / "results/tishby2017/runs/tanh_f0.5_d2/information.csv")
    assert set(info["estimator"]) == {"binning", "binning_fixed", "kde"} and set(info["layer"]) == {1, 2}
    assert info["member"].nunique() == 2
    # runs outside T4's comparison skip the costly KDE
    assert set(pd.read_csv(workdir / "results/tishby2017/runs/tanh_f0.1_d2/information.csv")["estimator"]) == {"binning", "binning_fixed"}
    assert set(claims[claims["figure"] == "T1"]["kind"]) == {"claim", "check"}
    assert (info["I_XT"] <= 12 + 1e-9).all() and (info["I_TY"] >= -1e-9).all()


def test_ohzeki2015_end_to_end_on_the_tiny_preset(workdir):
    result = run_snakemake(workdir, "--cores", CORES, "ohzeki2015")
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("P1_error_vs_unlabelled_data", "P2_error_vs_labelled_data"):
        assert (workdir / f"figures/ohzeki2015/{name}.png").stat().st_size > 10_000
    claims = pd.read_csv(workdir / "results/ohzeki2015/claims.csv")
    assert set(claims["figure"]) == {"P1", "P2"} and set(claims["kind"]) == {"claim", "check"}
    points = pd.read_csv(workdir / "results/ohzeki2015/gamp/k0.25_a0.5_N60.csv")
    assert set(points["init"]) == {"uninformative", "informative"} and points["instance"].nunique() == 2
    diagram = pd.read_csv(workdir / "results/ohzeki2015/theory/k0.25_a0.5.csv")
    assert diagram.groupby("beta")["equilibrium"].sum().eq(1).all()  # one equilibrium per β


@pytest.mark.parametrize(
    "section, named",
    [
        ("ohzeki2015:\n      gamp:\n        kappas: [0.3]", "presets.quick.ohzeki2015.gamp.kappas"),
        ("tishby2017:\n      depth: 9", "presets.quick.tishby2017.depth"),
        ("mototake2015:\n      jacobian:\n        vector_layer: 4", "presets.quick.mototake2015.jacobian.vector_layer"),
    ],
)
def test_settings_that_contradict_each_other_are_named(workdir, section, named):
    bad = workdir / "bad.yaml"
    bad.write_text("presets:\n  quick:\n    " + section + "\n")
    result = run_snakemake(workdir, "-n", "--configfile", str(bad), tiny=False, timeout=300)
    assert result.returncode != 0 and named in result.stdout + result.stderr
