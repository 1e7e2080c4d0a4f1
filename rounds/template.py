"""`saferkit round init`: a commented round.yaml an organiser edits (valid as written)."""

from __future__ import annotations

import datetime as dt
import secrets

TEMPLATE = """\
# A saferkit hackathon round. Validate it with `saferkit round spec {file}`;
# give teams the output of that command (it leaves out the final phase's secrets).
schema_version: 1
name: {name}                       # lower case, digits and dashes; used in URLs
title: "{title}"

# The ethics profile the hub accredits for this round (`saferkit ethics profiles`);
# add its sha256 to pin the exact text.
profile:
  name: default
  version: "1"

# How the boards rank: a ranking metric, and the rule. paired-leader-group: entries a
# paired test on the same items cannot tell from the leader share rank 1.
ranking:
  metric: roc_auc
  rule: paired-leader-group
  resamples: 1000

# Submissions per team and phase. Resubmitting the same bytes spends nothing;
# a submission that fails `saferkit submission check` spends nothing either.
limits:
  per_day: 3
  total: 20

# Named rows on every board: organiser-held submissions (folders or .zip files,
# relative to this file).
baselines: []
#  - name: kit baseline
#    submission: baselines/kit-baseline.zip

phases:
  development:                     # public data, public live board
    opens: "{dev_opens}"
    closes: "{dev_closes}"
    board: public
    data:
      n: {n}
      size: {size}
      seed: 101                    # public: any team can make this data
      shares:                      # the development data never shows low-end cameras or dark scenes
        device: {{hq: 0.5, mid: 0.5, low: 0.0}}
        lighting: {{dark: 0.0, normal: 0.5, bright: 0.5}}
  final:                           # organiser-held data, private board until revealed
    opens: "{final_opens}"
    closes: "{final_closes}"
    board: private
    shift: "camera and lighting conditions the development data does not contain"
    data:
      n: {n}
      size: {size}
      seed: {secret_seed}            # SECRET: never share; `round spec` leaves it out
      held_out:                    # SECRET: generator settings teams' data never contains
        shares:
          device: {{hq: 0.2, mid: 0.3, low: 0.5}}
          lighting: {{dark: 0.5, normal: 0.3, bright: 0.2}}
"""


def round_template(name: str, title: str, start: dt.date, file_name: str = "round.yaml", n: int = 2000, size: int = 64) -> str:
    """The commented round file: a four-week development phase, then a one-week final phase, with a fresh secret seed."""
    return TEMPLATE.format(
        file=file_name, name=name, n=n, size=size, title=title.replace('"', "'"),
        dev_opens=start.isoformat(), dev_closes=(start + dt.timedelta(days=27)).isoformat(),
        final_opens=(start + dt.timedelta(days=28)).isoformat(), final_closes=(start + dt.timedelta(days=34)).isoformat(),
        secret_seed=secrets.randbelow(2**62) + 1000,
    )
