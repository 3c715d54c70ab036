"""A custom import-linter contract: domain apps reach each other only through public modules.

``lint-imports`` (run by scripts/test.sh with ``scripts`` on ``PYTHONPATH``) loads it from
the ``[tool.importlinter]`` section of pyproject.toml. import-linter's own contract types
name forbidden modules one by one; this one states the rule once, so a module added to an
app later is covered without editing the configuration.
"""

from __future__ import annotations

import grimp
from importlinter import Contract, ContractCheck, fields, output


class PublicInterfaceContract(Contract):
    """Imports between two different apps must land on one of the callee's public modules.

    Configuration:
        - apps: the domain packages (``qinqing.appeals`` …).
        - public: submodule names any app may import from another (``queries``, ``service``).
        - extra_public: ``app.module`` entries published by one app only
          (``qinqing.assessment.registry``, the indicator registration API).
    """

    type_name = "public_interface"

    apps = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    extra_public = fields.ListField(subfield=fields.StringField(), required=False)
    known_exceptions = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        apps: list[str] = list(self.apps)  # type: ignore[arg-type]
        public = set(self.public)  # type: ignore[arg-type]
        extra = set(self.extra_public or [])  # type: ignore[arg-type]
        # "importer_package -> imported_module": debts written down in pyproject.toml, each
        # to be paid by a query or a service verb; a new one still breaks the contract
        known = [tuple(x.split(" -> ")) for x in (self.known_exceptions or [])]  # type: ignore[union-attr]

        def app_of(module: str) -> str | None:
            for app in apps:
                if module == app or module.startswith(app + "."):
                    return app
            return None

        def is_public(module: str, app: str) -> bool:
            rest = module[len(app) + 1 :].split(".")
            if module == app or not rest[0]:
                return False
            return rest[0] in public or f"{app}.{rest[0]}" in extra

        violations = []
        for importer in sorted(graph.modules):
            source_app = app_of(importer)
            if source_app is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target_app = app_of(imported)
                if target_app is None or target_app == source_app:
                    continue
                if any(importer.startswith(a) and imported == b for a, b in known):
                    continue
                if not is_public(imported, target_app):
                    for detail in graph.get_import_details(importer=importer, imported=imported):
                        violations.append((importer, imported, detail["line_number"]))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, line in check.metadata["violations"]:
            output.print_error(f"{importer}:{line} imports {imported}, which is not public.")
        output.new_line()
        output.print(
            "Call the other app's queries or service (or the module it publishes) instead."
        )
