"""bertkit.eval_mode.evaluating: eval mode and no gradients inside, the training flag restored after, per thread."""

import threading

import torch
from torch import nn

from bertkit.eval_mode import evaluating


def test_eval_inside_and_mode_restored():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    model.train()
    with evaluating(model):
        assert not model.training
        out = model(torch.ones(2, 4))
        assert not out.requires_grad
    assert model.training
    model.eval()
    with evaluating(model):
        pass
    assert not model.training


def test_mode_restored_after_an_error():
    model = nn.Linear(2, 2).train()
    try:
        with evaluating(model):
            raise ValueError("boom")
    except ValueError:
        pass
    assert model.training


def test_a_thread_leaving_early_does_not_switch_dropout_on_under_another():
    # first in, first out: the first call saved "training" and leaves while the second is still inside
    model = nn.Sequential(nn.Dropout(0.5)).train()
    first_inside, second_inside, first_left = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def first_call():
        with evaluating(model):
            first_inside.set()
            second_inside.wait(5)
        first_left.set()

    def second_call():
        first_inside.wait(5)
        with evaluating(model):
            second_inside.set()
            first_left.wait(5)
            seen.append(model.training)

    threads = [threading.Thread(target=first_call), threading.Thread(target=second_call)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [False]
    assert model.training
