"""Claims of the tishby2017 talk, read off the runs' information planes, gradients and losses.

Phases are located on the ensemble-mean curve of the deepest hidden layer:

* the end of fitting, t_fit: the first recorded epoch at which the mean I(T;Y) has made
  95 % of its rise from epoch 0 to its maximum;
* compression: I(X;T) at t_fit minus I(X;T) at the last epoch (per network, paired) — not
  the drop from the I(X;T) peak, which is positive by construction for any noisy curve;
* over-fitting: I(T;Y) at t_fit minus I(T;Y) at the last epoch;
* the compression onset of a layer: the recorded epoch at which the ensemble-mean
  I(X;T) is largest — where it stops rising and starts to fall. The talk puts the
  drift → diffusion switch of the gradients there (seed 002, slide 12).

A difference counts only when its mean over networks exceeds two standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from deepinside.claims import values


def _curves(information: pd.DataFrame, layer: int, estimator: str = "binning") -> tuple[pd.DataFrame, pd.DataFrame]:
    part = information[(information["layer"] == layer) & (information["estimator"] == estimator)]
    return (
        part.pivot(index="epoch", columns="member", values="I_XT").sort_index(),
        part.pivot(index="epoch", columns="member", values="I_TY").sort_index(),
    )


def fit_end(i_ty: pd.DataFrame, share: float = 0.95) -> int:
    """First epoch at which the mean I(T;Y) has made ``share`` of its rise to its maximum."""
    mean = i_ty.mean(axis=1)
    target = mean.iloc[0] + share * (mean.max() - mean.iloc[0])
    return int(mean.index[np.argmax(mean.to_numpy() >= target)])


def phases(information: pd.DataFrame, layer: int, estimator: str = "binning") -> dict:
    """Per-network fitting gain, compression and over-fitting of one layer, and t_fit."""
    i_xt, i_ty = _curves(information, layer, estimator)
    t_fit = fit_end(i_ty)
    first, last = i_xt.index[0], i_xt.index[-1]
    return {
        "t_fit": t_fit,
        "fitting": i_ty.loc[t_fit] - i_ty.loc[first],
        "compression": i_xt.loc[t_fit] - i_xt.loc[last],
        "overfitting": i_ty.loc[t_fit] - i_ty.loc[last],
    }


def compression_onset(information: pd.DataFrame, layer: int, estimator: str = "binning") -> int:
    """Epoch at which the ensemble-mean I(X;T) of ``layer`` peaks: the start of compression."""
    i_xt, _ = _curves(information, layer, estimator)
    return int(i_xt.mean(axis=1).idxmax())


def _significant(claim_id: str, per_network: pd.Series, note: str, **fields) -> dict:
    """The value of a claim that the mean over networks is positive beyond two standard errors."""
    mean, two_se = values.mean_and_two_se(per_network)
    return values.value(claim_id, mean, threshold=two_se, null=0.0, note=note, **fields)


def _summary(information: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (activation, fraction, depth, estimator), run in information.groupby(
        ["activation", "fraction", "depth", "estimator"]
    ):
        for layer in sorted(run["layer"].unique()):
            p = phases(run, layer, estimator)
            rows.append(
                {
                    "activation": activation,
                    "fraction": fraction,
                    "depth": depth,
                    "estimator": estimator,
                    "layer": layer,
                    "t_fit": p["t_fit"],
                    "fitting": p["fitting"].mean(),
                    "compression": p["compression"].mean(),
                    "overfitting": p["overfitting"].mean(),
                    "networks": len(p["compression"]),
                }
            )
    return pd.DataFrame(rows)


def information_plane(runs: list[pd.DataFrame]) -> dict:
    """T1 claims: fitting, then compression (tanh, most data); over-fitting with the least data."""
    information = pd.concat(runs, ignore_index=True)
    fractions = sorted(information["fraction"].unique())
    deepest = int(information["layer"].max())
    most = phases(information[information["fraction"] == fractions[-1]], deepest)
    least = phases(information[information["fraction"] == fractions[0]], deepest)
    rows = [
        _significant(
            "fitting",
            most["fitting"],
            f"mean I(T;Y) gain {most['fitting'].mean():.3f} bits by t_fit = epoch {most['t_fit']}",
            most=f"{fractions[-1]:.0%}",
        ),
        _significant(
            "compression",
            most["compression"],
            "per fraction: "
            + ", ".join(
                f"{f:.0%}: {phases(information[information['fraction'] == f], deepest)['compression'].mean():+.3f}"
                for f in fractions
            ),
            most=f"{fractions[-1]:.0%}",
        ),
        _significant(
            "overfitting",
            least["overfitting"],
            f"same measure with {fractions[-1]:.0%}: {most['overfitting'].mean():+.3f} bits",
            least=f"{fractions[0]:.0%}",
        ),
    ]
    return {"summary": _summary(information), "claims": values.table(rows)}


def switch_epoch(mean_norm: pd.Series, std_norm: pd.Series, hold: float = 0.8) -> float:
    """First epoch from which the noise exceeds the signal (s > m) in ≥ ``hold`` of the later epochs."""
    noisy = (std_norm > mean_norm).to_numpy()
    for i in range(len(noisy)):
        if noisy[i] and noisy[i:].mean() >= hold:
            return float(mean_norm.index[i])
    return float("nan")


def gradient_phases(gradients: pd.DataFrame, information: pd.DataFrame) -> dict:
    """T2 claims: a drift phase (mean > sd) then a diffusion phase (sd > mean) in every layer,
    the switch near the start of compression.

    Gradient layer l is the weight layer that feeds hidden layer l (the last one feeds the
    output). The switch epochs are compared with the compression onset of the deepest
    hidden layer (:func:`compression_onset`); every hidden layer's onset is reported.
    """
    stats = gradients.groupby(["layer", "epoch"])[["mean_norm", "std_norm"]].mean().reset_index()
    deepest_hidden = int(information["layer"].max())
    onsets = {layer: compression_onset(information, layer) for layer in sorted(information["layer"].unique())}
    rows_out = []
    for layer, part in stats.groupby("layer"):
        part = part.set_index("epoch").sort_index()
        early_drift = bool((part["mean_norm"].iloc[:5] > part["std_norm"].iloc[:5]).mean() > 0.5)
        switch = switch_epoch(part["mean_norm"], part["std_norm"]) if early_drift else float("nan")
        rows_out.append(
            {
                "layer": int(layer),
                "early_drift": early_drift,
                "switch_epoch": switch,
                "switches": bool(np.isfinite(switch)),
                "compression_onset": float(onsets.get(layer, np.nan)),
            }
        )
    table = pd.DataFrame(rows_out)
    onset = onsets[deepest_hidden]
    finite = table["switch_epoch"][np.isfinite(table["switch_epoch"])]
    median_switch = float(finite.median()) if len(finite) else float("nan")
    distance = abs(np.log10(median_switch / max(onset, 1))) if np.isfinite(median_switch) else float("nan")
    per_layer = ", ".join(
        f"L{r.layer}: "
        + (f"switch {r.switch_epoch:g}" if r.switches else ("no switch" if r.early_drift else "no drift phase"))
        for r in table.itertuples()
    )
    rows = [
        values.value("drift_then_diffusion", float(table["switches"].mean()), note=per_layer),
        values.value(
            "switch_at_compression",
            distance,
            note=f"median switch epoch {median_switch:g}, compression onset {onset} (L{deepest_hidden}); onsets per hidden layer: "
            + ", ".join(f"L{l}: {e}" for l, e in onsets.items())
            + "; threshold: within a factor √10 ≈ 3.2",
        ),
    ]
    return {"switches": table, "signal_noise": stats, "claims": values.table(rows)}


def depth_benefit(losses: list[pd.DataFrame], test_loss_threshold: float) -> dict:
    """T3 claim: more hidden layers reach a test loss below the threshold in fewer epochs (``losses``:
    one run's table per architecture)."""
    losses = pd.concat(losses, ignore_index=True)
    rows = []
    for depth, run in losses.groupby("depth"):
        per_member = []
        for _, member in run.groupby("member"):
            reached = member[member["test_loss"] <= test_loss_threshold]["epoch"]
            per_member.append(float(reached.min()) if len(reached) else np.inf)
        rows.append(
            {
                "depth": depth,
                "median_epochs": float(np.median(per_member)),
                "reached": float(np.mean(np.isfinite(per_member))),
                "final_test_loss": float(run[run["epoch"] == run["epoch"].max()]["test_loss"].mean()),
            }
        )
    table = pd.DataFrame(rows).sort_values("depth")
    rho = spearmanr(table["depth"], table["median_epochs"].replace(np.inf, 1e12)).statistic
    note = ", ".join(f"{d} hidden: {e:g}" for d, e in zip(table["depth"], table["median_epochs"]))
    row = values.value(
        "deeper_faster", rho, null=0.0, note="median epochs: " + note + " (inf: not reached)", loss=test_loss_threshold
    )
    return {"epochs": table, "claims": values.table([row])}


ESTIMATORS = {
    "binning": "30 equal bins: tanh over [−1, 1], ReLU over [0, the layer's largest activity] (Shwartz-Ziv & Tishby)",
    "binning_fixed": "bins of fixed width for both activations (Saxe et al. 2018)",
    "kde": "KDE upper bound on I(X;T) with Gaussian noise (Saxe et al. 2018)",
}


def relu_versus_tanh(tanh: pd.DataFrame, relu: pd.DataFrame) -> dict:
    """T4 claims: compression (I(X;T) at t_fit − at the end) is weaker with ReLU, one row per estimator.

    Binning is scale-dependent and the two binnings disagree on how to scale ReLU
    activity, so both are reported, beside the KDE bound; each row names its estimator.
    """
    deepest = int(tanh["layer"].max())
    rows = []
    for estimator, description in ESTIMATORS.items():
        if not ((tanh["estimator"] == estimator).any() and (relu["estimator"] == estimator).any()):
            continue
        a = phases(tanh, deepest, estimator)["compression"].to_numpy()
        b = phases(relu, deepest, estimator)["compression"].to_numpy()
        difference, two_se = values.two_sample(a, b)
        rows.append(
            values.value(
                f"relu_weaker_{estimator}",
                difference,
                threshold=float(two_se),
                null=0.0,
                note=f"estimator: {description}; compression tanh {a.mean():+.3f}, ReLU {b.mean():+.3f} bits (deepest hidden layer, "
                f"{len(a)} / {len(b)} networks); 2 standard errors of the difference (Welch)",
            )
        )
    summary = _summary(pd.concat([tanh, relu], ignore_index=True))
    return {"summary": summary, "claims": values.table(rows)}
