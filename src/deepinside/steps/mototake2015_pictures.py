"""The inputs of mototake2015's AlexNet-shaped net (M6, M7, M9): MNIST test digits for the net
trained here on digits, or pictures for ImageNet's AlexNet — one step, whichever net the preset
names (``mototake2015.alexnet.weights``)."""

from __future__ import annotations

from deepinside.steps import data as data_steps
from deepinside.steps.mototake2015 import digit_inputs


def conv_net_inputs(
    source: str,
    count: int,
    seed: int,
    mnist: dict | None = None,
    side: int | None = None,
    names: list[str] | None = None,
    folder: str | None = None,
) -> dict:
    """The inputs of the AlexNet-shaped net ``source`` names: MNIST test digits for the digit-trained
    net (:func:`deepinside.steps.mototake2015.digit_inputs`), else ``count`` pictures
    (:func:`deepinside.steps.data.pictures`: from ``folder``, the paper preset's ImageNet images, or
    the bundled ``names``)."""
    if source == "mnist":
        if mnist is None:
            raise ValueError("the digit-trained net's inputs are MNIST test digits: the step needs mnist")
        return digit_inputs(mnist, count, seed)
    if side is None:
        raise ValueError(f"the {source} net's pictures need their side")
    return data_steps.pictures(count, side, names, folder)
