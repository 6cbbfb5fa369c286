"""«Forklar» against the real assistant and a built index (slow; skipped when no index)."""
from __future__ import annotations

import pytest

from assistant.checklists import ChecklistService
from assistant.config import Config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live():
    from assistant.core import Assistant

    config = Config.from_env()
    assistant = Assistant(config)
    if not assistant.is_ready():
        pytest.skip("no index under ASSISTANT_HOME; run `assistant index` first")
    return ChecklistService(config, assistant=assistant)


@pytest.mark.parametrize("checklist_id,item_id", [("oppstart", "opp-sh-01"), ("analyse", "ana-rg-01"),
                                                   ("eu-krav", "eu-03")])
def test_explanation_cites_the_items_own_document(live, checklist_id, item_id):
    item = live.get_item(checklist_id, item_id)
    answer = live.explain(item)
    assert not answer.refused and answer.citations
    assert item.source.doc_id in {c.doc_id for c in answer.citations}
