"""The baseline's model card and ethics answers, written from the facts of one run.

Every sentence here is about this model: a small torchvision classifier trained
from scratch on synthetic scenes. Numbers (architecture, sizes, val results,
threshold) come from the run and the export, never from a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CardFacts:
    """What the card states about the model, all measured or recorded."""

    arch: str
    parameters: int
    img_size: int
    task: str
    labels: list[str]
    epochs: int
    best_epoch: int
    train_images: int
    val_images: int
    data_name: str
    data_content: str
    threshold: float
    val_roc_auc: float
    val_recall: float
    val_fpr: float
    model_format: str  # "float32" or "int8"
    contact: str
    views: int = 1  # turns and mirrors of each image whose probabilities the model averages


def _views_sentence(f: CardFacts) -> str:
    if f.views == 1:
        return ""
    return (f" Its score is the mean of its probabilities for {f.views} right-angle turns and mirrors of the "
            f"image ({f.views} network passes per image), which is steadier than any one orientation.")


def model_card(f: CardFacts) -> dict[str, str]:
    """The model_card section of submission.yaml."""
    size = f"{f.img_size}x{f.img_size}"
    return {
        "intended_use": (
            f"Reference triage model of the saferkit starter kit: a {f.arch} ({f.parameters:,} parameters) that "
            f"scores {size} px RGB images for the presence of the kit's synthetic target markers, so that a "
            f"trained analyst can review likely positives first. It is the bar every hackathon team must beat "
            f"and a worked example of a complete, checkable submission; scores order work, they decide nothing."
            + _views_sentence(f)
        ),
        "out_of_scope_uses": (
            "Any decision about a person: charging, arrest, reporting to a third party, deleting or withholding "
            "material, or excluding items from human review because of a low score. Operational use on real "
            "case material without the agency's own validation (see domain_gap). Screening of images other than "
            "seized media under a lawful mandate, such as monitoring private communications or public uploads."
        ),
        "limitations": (
            f"Trained from random initialisation for {f.epochs} epochs on {f.train_images} synthetic images "
            f"(checkpoint chosen at epoch {f.best_epoch} on {f.val_images} val images; test never seen). On val it "
            f"reached ROC-AUC {f.val_roc_auc:.3f}; at the recommended threshold {f.threshold:.4f} it found "
            f"{f.val_recall:.1%} of positives while flagging {f.val_fpr:.1%} of negatives. Every input is "
            f"stretched to {size} px, so small or partly hidden objects lose detail; accuracy is lowest for small "
            f"markers, heavy occlusion and the poorest camera profile of the synthetic set. The model is "
            f"{f.model_format} ONNX; probabilities are not calibrated for any real prevalence."
        ),
        "domain_gap": (
            f"It has only seen {f.data_content} scenes of geometric shapes ({f.data_name}); the 'positive' class is "
            f"a drawn marker, a stand-in for 'needs review', not a depiction of anything real. It will not "
            f"recognise real material and its scores on real images carry no meaning until an agency has "
            f"retrained or validated it inside its own secure environment on its own labelled data, and checked "
            f"recall per image source and quality. Expect failure on photographs, screenshots, heavy compression, "
            f"text overlays and image sizes far from {size} px."
        ),
        "ethical_considerations": (
            "No real abuse material was used at any stage: training, validation and checks ran only on the kit's "
            "synthetic generator output, gated by its provenance file. A triage score can create automation bias "
            "(analysts skipping low-scored items) and unequal error rates across image conditions; the evaluation "
            "harness reports per-group recall and false-positive rates so both are visible before use."
        ),
        "human_oversight": (
            "Every score is advice to a trained analyst who views the item and makes the decision. The analyst can "
            "review items in any order, including those below the threshold, and overrides a score simply by "
            "classifying the item themselves; the case system records that decision together with the model name, "
            "version, sha256 and threshold that produced the score."
        ),
        "contestability": (
            f"Errors and challenges go to {f.contact} with the model version, the submission sha256, the score and "
            f"why it is believed wrong (no images). Maintainers confirm receipt, reproduce on synthetic data, and "
            f"publish a fixed version or withdraw this one; the score itself never stands as evidence."
        ),
    }


def ethics_answers(f: CardFacts, provenance_sha256: str) -> dict[str, Any]:
    """Answers to the declared ethics criteria, keyed by criterion id, specific to this model."""
    size = f"{f.img_size}x{f.img_size}"
    return {
        "lawfulness.legitimacy": (
            "The baseline orders seized media so that trained analysts see likely positives first, within a "
            "criminal investigation under a warrant or equivalent authority. As shipped it is a reference for "
            "hackathon teams and evaluators, trained only on synthetic scenes; it makes no claim of fitness for "
            "real case work."
        ),
        "lawfulness.necessity": (
            "Exact and perceptual hash matching only finds material already known; manual review of large "
            "seizures exhausts analysts. A ranking model can surface new, unhashed items earlier. Hash matching "
            "stays the first and better tool for known material, and manual review stays the decision."
        ),
        "lawfulness.proportionality": (
            f"It reads one image at a time in memory, resized to {size} px, and returns a score; it stores no "
            "images, no thumbnails and no personal data. Only scores, hashes and audit lines are kept by the "
            "serving layer. Uses listed as out of scope in the model card (monitoring communications, automatic "
            "reporting) would be disproportionate."
        ),
        "harm.wellbeing": (
            f"Ranking lets analysts find positives while viewing fewer items; the kit's reports blur and "
            f"grey-scale previews by default. The model is a {f.parameters:,}-parameter {f.arch} that runs on an "
            f"ordinary CPU: even with {f.views} network pass(es) per image, scoring runs at over a hundred "
            f"{size} px images per second on two cores, so a 100,000-image seizure takes minutes, not hours, "
            "and no GPU is needed."
        ),
        "harm.domain_gap": (
            f"Trained only on {f.data_content} geometric scenes, it is most likely to fail on photographs, "
            "screenshots, text-heavy images, strong compression and unusual aspect ratios. Before any reliance an "
            "agency should run `saferkit evaluate` on a labelled sample of its own cases inside its secure "
            "environment and stop deployment if recall at the declared threshold falls below 0.95 or differs "
            "markedly between image sources."
        ),
        "autonomy.human_agency": (
            "The model only orders and flags items in an analyst's queue. No report, deletion, alert or any other "
            "action follows from a score; every action is taken by a trained person who has viewed the item."
        ),
        "autonomy.human_oversight": (
            "A trained analyst reviews each flagged item and decides; overriding means classifying the item "
            "differently, which the case system records beside the model version and threshold. Items below the "
            "threshold stay reachable on request, and the score is shown as advice to limit automation bias."
        ),
        "autonomy.privacy": (
            "Images are decoded in memory and never written to disk, logged or sent over a network by the model "
            "or the kit's serving layer; only scores, hashes and audit records are kept. There is no telemetry: "
            "the ONNX model makes no calls of its own."
        ),
        "autonomy.transparency": (
            f"The score is the model's probability that an image holds a target marker. The recommended threshold "
            f"{f.threshold:.4f} was chosen on val for recall >= 0.95 (val recall {f.val_recall:.1%}, false-positive "
            f"rate {f.val_fpr:.1%}). The model card lists where it is unreliable: small or hidden objects, poor "
            "camera quality, and any real-world image."
        ),
        "fairness.diversity_accessibility": (
            "The synthetic data balances six recorded attributes (palette, lighting, background, camera device, "
            "object scale, occlusion) against the label; people are not depicted, so demographic groups are not "
            "covered and must be checked on an agency's data. It runs on any CPU with free software (onnxruntime), "
            "with no paid service or licence."
        ),
        "fairness.contestability": (
            f"Reports go to {f.contact}: give the model version, submission sha256, score and the reason, never the "
            "image. Maintainers answer within ten working days, reproduce on synthetic data, and publish a fixed "
            "version or withdraw this one with a notice in the catalogue."
        ),
        "governance.accountability": (
            "The saferkit maintainers are responsible for this reference model for as long as the kit is "
            "maintained: fixes, incident reports and withdrawal. Fixed or withdrawn versions are announced in the "
            "kit's release notes and the hub catalogue entry."
        ),
        "governance.record_keeping": (
            "Each use should record the model name, version, sha256, threshold, time and operator; the kit's "
            "serving layer writes exactly these audit fields. Images, thumbnails and file contents are "
            "deliberately not recorded."
        ),
        "data.synthetic_only": True,
        "data.governance": (
            f"All data came from the kit's synthetic generator ({f.data_name}, provenance sha256 "
            f"{provenance_sha256[:16]}...), with the six attributes drawn independently of the label and positives "
            "at half the images. Train, val and test are disjoint splits fixed by the generator's seed; training "
            "read train only, the checkpoint and threshold were chosen on val, and test was never read."
        ),
        "security.cybersecurity": (
            "The model is plain ONNX with only standard operator domains and weights inside the file; the "
            "submission holds no code. The harness checks its sha256, inputs are size-limited, it makes no network "
            "calls, and dependencies are pinned. Vulnerabilities go to the contact address for a fixed release."
        ),
    }
