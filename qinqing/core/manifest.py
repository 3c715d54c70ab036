"""App manifests: what each app contributes to the platform, declared in one place.

Every app (core building blocks and domains alike) may hold a ``manifest.py`` module with a
module-level ``MANIFEST = AppManifest(...)``. The platform reads the manifests of the apps in
``INSTALLED_APPS``, in that order; core imports no domain module by name, it only looks for
``<app>.manifest``. A new app plugs in by adding itself to ``INSTALLED_APPS`` and writing its
manifest (see docs/dev/architecture.md)::

    # qinqing/engagement/manifest.py
    from qinqing.core.manifest import AppManifest, Job, NavItem

    MANIFEST = AppManifest(
        label="engagement",
        url_prefix="engagement/",
        nav=[NavItem("我的包联企业", "engagement:mine", "engagement.visit", "包联服务")],
        capabilities={"engagement.visit": "登记入企走访"},
        role_capabilities={"unit_staff": ["engagement.visit"]},
        audit_verbs={"visit.recorded": "登记入企走访"},
        jobs=[Job("engagement.overdue_visits", "走访逾期提醒", "workdays 09:00",
                  "qinqing.engagement.tasks.flag_overdue_visits")],
        demo_seed="qinqing.engagement.seeds.load_demo",
        indicators="qinqing.engagement.indicators",
    )

What each field means:

* ``nav``: side-navigation entries, shown when the user's role has the capability (``None``:
  every logged-in user); grouped by ``section`` in order of first appearance.
* ``capabilities`` (code → Chinese label) and ``role_capabilities`` (built-in role code →
  codes): the verbs the app adds and which built-in roles get them. Built-in role codes:
  ``office_admin``, ``unit_staff``, ``leader``, ``enterprise``, ``site_admin``, ``discipline``
  (and any role an app adds through ``roles``).
* ``roles``: extra built-in roles as :class:`RoleSpec` (e.g. a 监督员 role).
* ``audit_verbs``: Chinese labels for the app's audit verbs.
* ``indicators``: a module imported once at start-up; it registers assessment indicators
  with ``qinqing.assessment.registry.indicator``.
* ``demo_seed``: ``load_demo(*, city, users, log)``, idempotent, run by ``qinqing demo``.
* ``demo_after``: labels of apps whose demo data this app's seed reads (supervision's 通报
  counts the problem ledger): their seeds run first (:func:`demo_seeds`); an app not
  installed is skipped, a cycle is refused.
* ``jobs``: scheduled jobs (:class:`Job`), run by ``qinqing jobs`` (see ``qinqing.core.jobs``).
* ``deadlines``: ``recompute_deadlines(*, now, actor) -> list[DeadlineChange]``: recompute
  every open deadline of the app from the working-day calendar in force (after a holiday
  notice is imported) and return what moved (``qinqing.core.workdays.changes``).
* ``workbench``: ``work_items(user, now) -> list[WorkItem]``: the counts on a role's home page.
* ``notification_kinds``: kind code → Chinese label, for users' notification preferences.
* ``search``: functions ``site_search(user, q, limit) -> list[SearchHit]`` for the search box
  on every page; each returns only what the user may see (the app's own access checks).
* ``banners``: ``banners(user, now) -> list[Banner]``: notices at the top of every page for
  the users they concern (a provisional calendar year, a failed job), until handled.
* ``bulletin_sections``: functions ``section(area, period_start, period_end, as_of) ->
  BulletinSection | None``: a chapter of the period's 通报 (工作通报) with the app's figures
  for the area (heading, intro sentence, tables); ``None`` leaves it out. The bulletin numbers
  the chapters and tables, and prints a table's ``empty`` sentence when it has no rows.
* ``url_prefix`` (+ ``urls``, default ``<app>.urls``): where the app's pages are mounted.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: str | None = None
    section: str = ""


@dataclass(frozen=True)
class Job:
    """A scheduled job: ``func(now) -> dict[str, int] | None`` must be idempotent.

    ``schedule`` is one of (times are Asia/Shanghai):

    * ``"workdays HH:MM"``: once on every working day of the calendar;
    * ``"daily HH:MM"``: once every day (``"nightly HH:MM"`` is the same);
    * ``"hourly HH:MM-HH:MM on workdays"``: every hour from the first time to the last, on
      working days; ``"hourly"``: every hour;
    * ``"monthly D HH:MM"``: on day D of every month;
    * ``"every N minutes"``.

    ``catch_up`` says what happens after downtime: ``"once"`` runs the job once for all the
    missed slots (a sweep that looks at the state as of ``now``); ``"each"`` runs it once per
    missed slot, oldest first, with ``now`` set to each slot (a roll-up that summarises a
    day or a month and would otherwise lose the missed ones).
    """

    name: str
    label: str
    schedule: str
    func: str
    catch_up: str = "once"

    def __post_init__(self) -> None:
        if self.catch_up not in ("once", "each"):
            raise ValueError(f"job {self.name}: catch_up must be 'once' or 'each'")


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    description: str
    scope: str  # jurisdiction | unit | enterprise | referred | global
    capabilities: Sequence[str] = ()
    read_only: bool = False


@dataclass(frozen=True)
class WorkItem:
    """One line of a role's work queue on its home page (count links to the list)."""

    label: str
    count: int
    url: str
    overdue: int = 0  # how many of them are past their deadline (red)
    due_soon: int = 0  # how many are near their deadline (amber)
    section: str = ""


@dataclass(frozen=True)
class SearchHit:
    """One result of the site-wide search box (see ``AppManifest.search``)."""

    title: str
    url: str
    kind: str  # 「任务」「诉求」「政策」… as people call the record
    detail: str = ""


@dataclass(frozen=True)
class Banner:
    """A notice shown at the top of every page of the users it concerns, until handled."""

    text: str
    url: str = ""
    link_text: str = ""
    level: str = "warning"  # info | warning | error


@dataclass(frozen=True)
class BulletinTable:
    """A table of a :class:`BulletinSection`; ``caption`` becomes a （一）-style heading above
    it, ``empty`` the sentence printed instead of a table without rows (「本期无……」)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str | int]]
    empty: str
    caption: str = ""


@dataclass(frozen=True)
class BulletinSection:
    """A chapter an app contributes to the 通报 (see ``AppManifest.bulletin_sections``)."""

    heading: str  # without its number: the bulletin numbers chapters (「问题整改情况」)
    intro: str
    tables: Sequence[BulletinTable] = ()


@dataclass(frozen=True)
class AppManifest:
    label: str
    url_prefix: str | None = None
    urls: str | None = None
    nav: Sequence[NavItem] = ()
    capabilities: Mapping[str, str] = field(default_factory=dict)
    role_capabilities: Mapping[str, Sequence[str]] = field(default_factory=dict)
    roles: Sequence[RoleSpec] = ()
    audit_verbs: Mapping[str, str] = field(default_factory=dict)
    indicators: str | None = None
    demo_seed: str | None = None
    demo_title: str = ""
    demo_after: Sequence[str] = ()
    jobs: Sequence[Job] = ()
    deadlines: str | None = None
    workbench: str | None = None
    notification_kinds: Mapping[str, str] = field(default_factory=dict)
    banners: str | None = None
    search: Sequence[str] = ()
    bulletin_sections: Sequence[str] = ()


def _manifest_of(module_name: str) -> AppManifest | None:
    dotted = f"{module_name}.manifest"
    try:
        spec = importlib.util.find_spec(dotted)
    except ModuleNotFoundError:
        return None
    if spec is None:
        return None
    module = importlib.import_module(dotted)
    manifest = getattr(module, "MANIFEST", None)
    if manifest is not None and not isinstance(manifest, AppManifest):
        raise TypeError(f"{dotted}.MANIFEST is not an AppManifest")
    return manifest


@cache
def _all() -> tuple[AppManifest, ...]:
    found = []
    for config in apps.get_app_configs():
        manifest = _manifest_of(config.name)
        if manifest is not None:
            found.append(manifest)
    return tuple(found)


def manifests() -> Iterator[AppManifest]:
    """The manifests of the installed apps, in ``INSTALLED_APPS`` order."""
    return iter(_all())


def manifest_for(label: str) -> AppManifest | None:
    return next((m for m in _all() if m.label == label), None)


def order_demo_seeds(found: Sequence[AppManifest]) -> list[AppManifest]:
    """``found`` (with a ``demo_seed``) reordered so that each runs after its ``demo_after``,
    otherwise keeping the given order.

    >>> a, b, c = AppManifest("a", demo_after=["c"]), AppManifest("b"), AppManifest("c")
    >>> [m.label for m in order_demo_seeds([a, b, c])]
    ['b', 'c', 'a']
    >>> [m.label for m in order_demo_seeds([AppManifest("a", demo_after=["gone"])])]
    ['a']
    >>> order_demo_seeds([a, AppManifest("c", demo_after=["a"])])
    Traceback (most recent call last):
    ...
    django.core.exceptions.ImproperlyConfigured: demo seeds wait for each other: a, c
    """
    labels = {m.label for m in found}
    waiting = list(found)
    done: set[str] = set()
    ordered: list[AppManifest] = []
    while waiting:
        ready = next(
            (m for m in waiting if all(d in done or d not in labels for d in m.demo_after)), None
        )
        if ready is None:
            names = ", ".join(m.label for m in waiting)
            raise ImproperlyConfigured(f"demo seeds wait for each other: {names}")
        waiting.remove(ready)
        done.add(ready.label)
        ordered.append(ready)
    return ordered


def demo_seeds() -> list[AppManifest]:
    """The manifests with a demo seed, in the order ``qinqing demo`` runs them:
    ``INSTALLED_APPS`` order, except that a seed runs after those in its ``demo_after``."""
    return order_demo_seeds([m for m in _all() if m.demo_seed])


def all_jobs() -> list[Job]:
    return [job for m in _all() for job in m.jobs]


def all_nav() -> list[NavItem]:
    return [item for m in _all() for item in m.nav]


def all_bulletin_sections() -> list[Callable[..., BulletinSection | None]]:
    """The 通报 chapter functions of the installed apps, in ``INSTALLED_APPS`` order."""
    found = []
    for manifest in _all():
        for dotted in manifest.bulletin_sections:
            module, _, name = dotted.rpartition(".")
            found.append(getattr(importlib.import_module(module), name))
    return found


def url_mounts() -> list[tuple[str, str]]:
    """``(prefix, urls module)`` for every app that mounts pages (the root URLconf reads this)."""
    out = []
    for config in apps.get_app_configs():
        manifest = _manifest_of(config.name)
        if manifest is not None and manifest.url_prefix is not None:
            out.append((manifest.url_prefix, manifest.urls or f"{config.name}.urls"))
    return out


def install() -> None:
    """Apply every manifest's registrations (capability and verb labels, indicators).

    Called once from the platform app's ``ready()``, after every app is loaded.
    """
    from qinqing.core.accounts.capabilities import register_capabilities
    from qinqing.core.audit.verbs import register_verbs

    for manifest in _all():
        register_capabilities(dict(manifest.capabilities))
        register_verbs(dict(manifest.audit_verbs))
        if manifest.indicators:
            importlib.import_module(manifest.indicators)
