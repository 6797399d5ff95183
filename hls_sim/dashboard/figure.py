"""An ECharts figure whose option is handed over whole.

``solara.FigureEcharts`` takes the chart option as a plain dict. Solara's renderer
(reacton) walks every dict and list among a component's arguments looking for child
elements, so a chart with a few hundred points per line, redrawn every week, costs
tens of thousands of needless visits. :class:`Option` wraps the dict so the walk stops
at it, and :class:`EchartsFigure` unwraps it when the widget's state is sent to the
browser. The browser side is Solara's own ECharts widget, unchanged.
"""

from __future__ import annotations

from typing import Any

import solara
import traitlets
from solara.components.echarts import EchartsWidget


class Option:
    """An ECharts option dict, opaque to the renderer. A new Option is a new chart:
    equality is identity, so each redraw sends the new option."""

    __slots__ = ("data",)

    def __init__(self, data: dict):
        self.data = data

    def __repr__(self) -> str:
        return f"Option({len(self.data)} keys)"


def _option_to_json(value: Any, widget: Any) -> Any:
    return value.data if isinstance(value, Option) else value


class EchartsFigure(EchartsWidget):
    """Solara's ECharts widget, taking an :class:`Option`."""

    option = traitlets.Any({}).tag(sync=True, to_json=_option_to_json)


@solara.component
def Echarts(option: Option, height: int):
    """A chart ``height`` pixels tall and as wide as its container."""
    return EchartsFigure.element(option=option, responsive=True,
                                 attributes={"style": f"height: {height}px; width: 100%;"})
