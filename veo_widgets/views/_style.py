"""The look shared by everything this package shows in a notebook: one scoped stylesheet
(JupyterLab's CSS variables, each with a light fallback, so it reads well in the dark theme
and outside Lab), a status badge's colours, the demo-mode notice, and the panel's
Ctrl+Enter hook."""

from __future__ import annotations

import html

from .._config import DEMO_NOTICE
from ..schema._models import JobStatus

__all__ = ["ACTIVE", "KEYS", "STYLE", "badge_html", "demo_notice_html", "is_active"]

#: Pending statuses, then the ends: what a badge can say. Every other spelling of the API's
#: (``processing``, ``succeeded``, ``failed``, ...) is judged by ``JobStatus``: see ``is_active``.
ACTIVE = frozenset({"submitting", "queued", "waiting", "active", "generating", "downloading"})


def is_active(status: str) -> bool:
    """True while a job still runs, in any of the API's spellings (``processing``,
    ``in_progress``, ...), or while we submit or download it."""
    return status in ACTIVE or JobStatus.is_pending(status)


# (CSS variable, fallback) per status: JupyterLab's palette where it has one.
_TONE = {
    "submitting": ("--jp-layout-color3", "#6b7280"),
    "queued": ("--jp-layout-color3", "#6b7280"),
    "waiting": ("--jp-layout-color3", "#6b7280"),
    "active": ("--jp-brand-color1", "#1976d2"),
    "generating": ("--jp-brand-color1", "#1976d2"),
    "downloading": ("--jp-accent-color1", "#7c3aed"),
    "completed": ("--jp-success-color1", "#388e3c"),
    "error": ("--jp-error-color1", "#d32f2f"),
    "cancelled": ("--jp-warn-color1", "#f57c00"),
    "stopped": ("--jp-warn-color1", "#f57c00"),
}

#: One stylesheet for everything this package shows in a notebook. Scoped by class.
STYLE = """<style>
.veo-panel, .veo-status, .veo-summary, .veo-history, .veo-note {
  color: var(--jp-ui-font-color1, #1f2937); font-family: var(--jp-ui-font-family, system-ui, sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); max-width: 100%; box-sizing: border-box; }
.veo-panel { gap: 8px; }
.veo-panel .veo-columns { flex-flow: row wrap; gap: 16px; align-items: flex-start; }
.veo-panel .veo-inputs { flex: 1 1 340px; min-width: 0; max-width: 100%; gap: 6px; }
.veo-panel .veo-outputs { flex: 1 1 360px; min-width: 0; max-width: 100%; gap: 6px; }
.veo-panel .widget-html, .veo-panel .widget-text, .veo-panel .widget-textarea, .veo-panel .widget-toggle-buttons,
.veo-panel .widget-hbox { max-width: 100%; }
.veo-panel .widget-toggle-buttons { display: flex; flex-flow: row wrap; align-items: center; }
.veo-panel .widget-toggle-buttons > .widget-label { flex: 0 0 auto; }
.veo-panel .widget-toggle-buttons .widget-toggle-button { min-width: 0; }
.veo-panel :focus-visible { outline: 2px solid var(--jp-brand-color1, #1976d2); outline-offset: 1px; }
.veo-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; color: var(--jp-ui-inverse-font-color0, #fff); }
.veo-demo-banner { box-sizing: border-box; max-width: 100%; background: var(--jp-layout-color2, #fff8e1); color: var(--jp-ui-font-color1, #1f2937);
  border: 1px solid var(--jp-warn-color1, #f57c00); border-left-width: 4px; padding: 4px 8px; border-radius: 4px; }
.veo-error { color: var(--jp-error-color1, #d32f2f); }
.veo-note { color: var(--jp-ui-font-color2, #4b5563); }
.veo-job { border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 4px; padding: 4px 6px;
  background: var(--jp-layout-color1, #fff); }
.veo-placeholder { display: flex; align-items: center; justify-content: center; text-align: center;
  width: 192px; height: 108px; border: 1px dashed var(--jp-border-color1, #bdbdbd); border-radius: 4px;
  color: var(--jp-ui-font-color2, #6b7280); background: var(--jp-layout-color2, #f5f5f5); font-size: 12px; }
.veo-video video { max-width: 100%; max-height: 70vh; height: auto; display: block;
  background: var(--jp-layout-color2, #000); }
.veo-history td, .veo-history th { padding: 2px 8px; text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); }
.veo-summary { border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 4px; padding: 8px;
  background: var(--jp-layout-color1, #fff); display: flex; gap: 12px; flex-wrap: wrap; }
.jp-OutputArea:has(.veo-panel) .veo-static-summary, .output_area:has(.veo-panel) .veo-static-summary,
.jp-Cell:has(.veo-panel) .veo-static-summary { display: none; }
.veo-summary img { max-width: 240px; max-height: 40vh; border-radius: 4px; }
.veo-code { user-select: all; white-space: pre-wrap; background: var(--jp-layout-color2, #f5f5f5);
  color: var(--jp-content-font-color1, #111); padding: 6px; border-radius: 4px; }
.jp-OutputArea-output pre.veo-code, .output_area pre.veo-code, pre.veo-code {
  font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 13px); line-height: 1.4; }
</style>"""


#: Ctrl+Enter (Cmd+Enter) in the prompt generates. ipywidgets has no key events and a
#: widget's HTML is set with innerHTML (scripts do not run, handlers do): a 1-pixel image's
#: onload attaches one listener to its own panel.
#:
#: It does not click Generate: a click is a custom comm message, sent at once, while the
#: prompt's value updates are *synced*, and a widget model sends no new sync while one is
#: unanswered (``WidgetModel.sync`` buffers it in ``_msg_buffer`` until the kernel is idle).
#: Type fast, press Ctrl+Enter, and the click overtook the last characters. So the listener
#: writes the textarea's text itself, after a fresh nonce, into the panel's hidden
#: ``.veo-submit`` field, whose own (idle) model sends it at once; the kernel takes the prompt
#: from it and generates (``Panel._submitted``). Without that field, it clicks Generate.
#:
#: The same hook shows what Generate started: a new card, or a row of takes (which sits
#: under the whole form), is scrolled into view when it appears out of sight.
KEYS = (
    '<img alt="" aria-hidden="true" style="display:none" '
    'src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==" '
    "onload=\"(function(i){var p=i.closest('.veo-panel');if(!p||p.dataset.veoKeys)return;p.dataset.veoKeys='1';"
    "function own(c){return [].filter.call(p.querySelectorAll(c),function(x){return x.closest('.veo-panel')===p;});}"
    # What Generate starts (a card, or a row of takes under the whole form) is scrolled into
    # view once it appears, if it is off screen. (Its class names arrive after its element,
    # so new ones are counted for a few seconds rather than watched for.) A row of takes is
    # taller than most windows: its top goes to the top, so as much of it as fits shows.
    "function reveal(){var g=own('.veo-take-rows .veo-takes').length,c=own('.veo-jobs .veo-job').length,n=0;"
    "var k=setInterval(function(){var a=own('.veo-take-rows .veo-takes'),b=own('.veo-jobs .veo-job');"
    "var t=a.length>g?a[a.length-1]:b.length>c?b[b.length-1]:null;if(!t&&++n<40)return;clearInterval(k);if(!t)return;"
    "var r=t.getBoundingClientRect();if(r.top>innerHeight-40||r.bottom<0)t.scrollIntoView({block:t===a[a.length-1]?'start':'nearest',behavior:'smooth'});},250);}"
    "p.addEventListener('click',function(e){if(e.target.closest('.veo-generate'))reveal();},true);"
    "p.addEventListener('keydown',function(e){if(e.key!=='Enter'||!(e.ctrlKey||e.metaKey))return;"
    "var q=e.target.closest('.veo-prompt');if(!q||q.closest('.veo-panel')!==p)return;"
    "e.preventDefault();e.stopPropagation();var t=q.querySelector('textarea'),s=own('.veo-submit textarea')[0];"
    "if(t&&s){reveal();s.value=Date.now()+'\\n'+t.value;s.dispatchEvent(new Event('change',{bubbles:true}));return;}"
    "var b=p.querySelector('.veo-generate');if(b){b.click();}},true);})(this)\">"
)


def _var(name: str, fallback: str) -> str:
    return f"var({name}, {fallback})"


def _canonical(status: str) -> str:
    """The schema's word for another spelling of the same state, for its colour."""
    if JobStatus.is_success(status):
        return "completed"
    if status.lower() in ("canceled", "cancelled"):
        return "cancelled"
    if JobStatus.is_failure(status):
        return "error"
    if JobStatus.is_queued(status):
        return "queued"
    return "generating" if JobStatus.is_pending(status) else status


def badge_html(status: str) -> str:
    """A coloured pill naming ``status``; ``data-status`` is for tests and browsers."""
    name, fallback = _TONE.get(status) or _TONE.get(_canonical(status), ("--jp-layout-color4", "#374151"))
    safe = html.escape(status)
    return (
        f'<span class="veo-badge" role="status" data-status="{safe}" '
        f'style="background:{_var(name, fallback)};color:var(--jp-ui-inverse-font-color0, #fff);'
        f'padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600">{safe}</span>'
    )


def demo_notice_html(notice: str = DEMO_NOTICE) -> str:
    """The one demo-mode notice (a client's ``demo_notice``)."""
    return (
        '<div class="veo-demo-banner" role="note" style="background:var(--jp-layout-color2, #fff8e1);'
        "border:1px solid var(--jp-warn-color1, #f57c00);border-left-width:4px;color:var(--jp-ui-font-color1, #1f2937);"
        f'padding:4px 8px;border-radius:4px">&#9888; {html.escape(notice)}</div>'
    )
