"""Which class reads which control tag: the only place a control is chosen."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from turnout.annotation.controls.base import Control
from turnout.annotation.controls.choices import ChoicesControl
from turnout.annotation.controls.datetime_tag import DateTimeControl
from turnout.annotation.controls.labels import LabelsControl
from turnout.annotation.controls.scalars import NumberControl, RatingControl
from turnout.annotation.controls.taxonomy import TaxonomyControl
from turnout.annotation.controls.textarea import TextAreaControl

CONTROLS: Mapping[str, type[Control]] = MappingProxyType(
    {
        cls.tag.lower(): cls
        for cls in (
            ChoicesControl,
            LabelsControl,
            TextAreaControl,
            RatingControl,
            NumberControl,
            TaxonomyControl,
            DateTimeControl,
        )
    }
)
# Control tags of Label Studio that a text model cannot answer (regions on media, relations,
# comparisons, rankings): named in LABEL_CONFIG_UNSUPPORTED, never dropped silently.
UNSUPPORTED_CONTROLS = frozenset(
    {
        "rectanglelabels", "rectangle", "polygonlabels", "polygon", "ellipselabels", "ellipse",
        "keypointlabels", "keypoint", "brushlabels", "brush", "bitmasklabels", "bitmask",
        "magicwand", "vectorlabels", "vector", "videorectangle", "timeserieslabels",
        "timelinelabels", "paragraphlabels", "hypertextlabels", "relations", "relation",
        "pairwise", "ranker", "list", "cube", "cubelabels", "pdflabels", "tablelabels",
        "ocrtokenlabels", "videovector", "videovectorlabels", "polylinelabels",
    }
)
