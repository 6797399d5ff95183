"""An ECharts figure made for redrawing every week.

Two changes from ``solara.FigureEcharts``, both for speed:

* On the server: it takes the chart option as a plain dict, and Solara's renderer
  (reacton) walks every dict and list among a component's arguments looking for child
  elements, so a chart with a few hundred points per line, redrawn every week, costs
  tens of thousands of needless visits. :class:`Option` wraps the dict so the walk
  stops at it, and :class:`EchartsFigure` unwraps it when the widget's state is sent
  to the browser.
* In the browser: Solara's widget draws each chart the moment its new option arrives,
  while the rest of the page is still being updated, so each of the page's fourteen
  charts forces its own layout of the page, and rebuilds its axes, legend and tooltip.
  This widget's template (below) keeps those and replaces only the series, asks
  ECharts to draw on the next animation frame (``lazyUpdate``), so all charts draw
  together once the page is up to date, and loads the minified ECharts build.
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


class OptionCache:
    """The last option drawn: an option equal to it comes back as the same
    :class:`Option`, so the widget sends nothing and the browser draws nothing (for
    views that change only now and then, such as the lot map)."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: Option | None = None

    def get(self, data: dict) -> Option:
        if self.last is None or self.last.data != data:
            self.last = Option(data)
        return self.last


def _option_to_json(value: Any, widget: Any) -> Any:
    return value.data if isinstance(value, Option) else value


def _echarts_version() -> str:
    import re
    from pathlib import Path

    import solara.components

    vue = Path(solara.components.__file__).with_name("echarts.vue")
    try:
        m = re.search(r'const version = "([\w.\-]+)"', vue.read_text())
    except OSError:
        m = None
    return m.group(1) if m else "5.4.0"


ECHARTS_VERSION = _echarts_version()  # the version Solara's own widget loads

TEMPLATE = """
<template>
  <div ref="echarts" class="solara-echarts" v-bind="attributes"></div>
</template>
<script>
module.exports = {
  mounted() {
    (async () => {
      const echarts = (await this.load(
        [`${this.getCdn()}/echarts@ECHARTS_VERSION/dist/echarts.min.js`]))[0];
      this.chart = echarts.init(this.$refs.echarts);
      this.chart.setOption(this.option, {notMerge: true});
      this.resizeObserver = new ResizeObserver(() => this.chart && this.chart.resize());
      this.resizeObserver.observe(this.$refs.echarts);
    })();
  },
  beforeDestroy() {
    if (this.resizeObserver) this.resizeObserver.disconnect();
    if (this.chart) this.chart.dispose();
  },
  beforeUnmount() {
    this.$options.beforeDestroy.call(this);
  },
  watch: {
    option() {
      // Keep the axes, legend and tooltip (rebuilding a tooltip measures the page: a
      // forced layout per chart), replace the series, and draw on the next animation
      // frame together with every other chart of the page.
      if (this.chart) {
        this.chart.setOption(this.option, {replaceMerge: ["series"], lazyUpdate: true});
      }
    },
  },
  methods: {
    load(deps) {
      return this.loadRequire().then(() => {
        if (window.jupyterVue) {
          define("vue", [], () => window.jupyterVue.Vue);
        } else {
          define("vue", ["jupyter-vue"], (jupyterVue) => jupyterVue.Vue);
        }
        return new Promise((resolve) => requirejs(deps, (...modules) => resolve(modules)));
      });
    },
    loadRequire() {
      if (window.requirejs) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = `${this.getCdn()}/requirejs@2.3.6/require.js`;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    },
    getJupyterBaseUrl() {
      if (document.getElementsByTagName("base").length) return "./";
      const labConfigData = document.getElementById("jupyter-config-data");
      if (labConfigData) return JSON.parse(labConfigData.textContent).baseUrl;
      let base = document.body.dataset.baseUrl || document.baseURI;
      return base.endsWith("/") ? base : base + "/";
    },
    getCdn() {
      return this.cdn || (window.solara ? window.solara.cdn
                                        : `${this.getJupyterBaseUrl()}_solara/cdn`);
    },
  },
};
</script>
""".replace("ECHARTS_VERSION", ECHARTS_VERSION)


class EchartsFigure(EchartsWidget):
    """Solara's ECharts widget, taking an :class:`Option` and drawing lazily."""

    template_file = None  # the template is TEMPLATE, not Solara's echarts.vue
    option = traitlets.Any({}).tag(sync=True, to_json=_option_to_json)

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("template", TEMPLATE)
        super().__init__(**kwargs)


@solara.component
def Echarts(option: Option, height: int):
    """A chart ``height`` pixels tall and as wide as its container."""
    return EchartsFigure.element(option=option, responsive=True,
                                 attributes={"style": f"height: {height}px; width: 100%;"})
