"""双随机、一公开 verifiable draw, database-free (issue 8).

Public API (used by the CLI and, later, the campaign screens)::

    inputs = DrawInputs(entities=EntityPool.from_records(...), items=..., inspectors=...,
                        constraints=DrawConstraints.build(...))
    commitment = draw_commitment(seed, inputs)        # publish before the draw
    result = run_draw(inputs, seed)                   # raises InvalidInput, never half-done
    document = draw_document(result)                  # DRAW.json object
    verify_draw(document, inputs)                     # Verification(ok, message)

The algorithm is specified in docs/dev/verifiable-draw.md; docs/draw-verification.md
explains in Chinese how anyone can check a published draw.
"""

from qinqing.inspections.drawing.constraints import (
    DrawConstraints,
    MonthlyQuietWindow,
    VisitWindow,
    constraints_from_json,
)
from qinqing.inspections.drawing.document import (
    Verification,
    draw_document,
    dumps_draw,
    load_draw_json,
    load_inputs,
    render_draw,
    verify_draw,
    write_canonical_files,
    write_draw_json,
)
from qinqing.inspections.drawing.engine import (
    ALGORITHM,
    DrawInputs,
    DrawResult,
    ItemOutcome,
    Visit,
    draw_commitment,
    run_draw,
    stratum_size,
)
from qinqing.inspections.drawing.inputs import (
    TIERS,
    EntityPool,
    EntityRecord,
    InspectionItem,
    Inspector,
    inspectors_from_records,
    items_from_records,
    read_entities_csv,
    read_inspectors_csv,
    read_items_csv,
)

__all__ = [
    "ALGORITHM",
    "TIERS",
    "DrawConstraints",
    "DrawInputs",
    "DrawResult",
    "EntityPool",
    "EntityRecord",
    "InspectionItem",
    "Inspector",
    "ItemOutcome",
    "MonthlyQuietWindow",
    "Verification",
    "Visit",
    "VisitWindow",
    "constraints_from_json",
    "draw_commitment",
    "draw_document",
    "dumps_draw",
    "inspectors_from_records",
    "items_from_records",
    "load_draw_json",
    "load_inputs",
    "read_entities_csv",
    "read_inspectors_csv",
    "read_items_csv",
    "render_draw",
    "run_draw",
    "stratum_size",
    "verify_draw",
    "write_canonical_files",
    "write_draw_json",
]
