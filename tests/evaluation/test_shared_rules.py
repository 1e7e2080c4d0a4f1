"""Rules and names several packages share, each written once."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from saferkit.evaluation.labels import negative_index
from saferkit.evaluation.operating_point import is_flagged, threshold_for_recall
from saferkit.evaluation.submission import MODEL_CARD_FIELDS, submission_schema


def test_a_score_equal_to_the_threshold_is_flagged():
    assert is_flagged([0.2, 0.5, 0.7], 0.5).tolist() == [False, True, True]
    assert bool(is_flagged(0.5, 0.5)) and not bool(is_flagged(0.4999, 0.5))


def test_float_noise_does_not_demand_one_more_positive():
    scores = np.linspace(1.0, 0.05, 20)  # 0.95 * 20 = 19.000000000000004
    assert threshold_for_recall(scores, 0.95) == scores[18]
    assert threshold_for_recall(scores, 1.0) == scores[-1]
    assert threshold_for_recall([0.4], 0.01) == 0.4


def test_the_negative_label_is_found_by_one_rule():
    assert negative_index(["cat-a", "Background", "none"]) == 1
    assert negative_index(["cat-a", "cat-b"]) is None


def test_model_card_fields_are_the_schemas_fields():
    entry = json.loads(resources.files("saferkit.hub_plugin").joinpath("schemas", "entry.schema.json").read_text("utf-8"))
    assert list(MODEL_CARD_FIELDS) == list(submission_schema()["properties"]["model_card"]["properties"])
    assert list(MODEL_CARD_FIELDS) == list(entry["properties"]["model_card"]["properties"])
