"""«Forklar» against the real assistant over the real corpus, indexed in a temporary home (slow;
the embedding cache is shared with the other suites, so only the first build embeds)."""
from __future__ import annotations


import pytest

from assistant.checklists import ChecklistService
from assistant.config import Config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory, embedding_cache):
    from assistant.config import PROJECT_ROOT
    from assistant.core import Assistant

    config = Config(home=tmp_path_factory.mktemp("explain-home"), corpus_dir=PROJECT_ROOT / "corpus",
                    cache_dir=embedding_cache)
    assistant = Assistant(config)
    assistant.build_index(progress=False)
    return ChecklistService(config, assistant=assistant)


@pytest.mark.parametrize("checklist_id,item_id", [("oppstart", "opp-sh-01"), ("analyse", "ana-rg-01"),
                                                   ("eu-krav", "eu-03")])
def test_explanation_cites_the_items_own_document(live, checklist_id, item_id):
    item = live.get_item(checklist_id, item_id)
    answer = live.explain(item)
    assert not answer.refused and answer.citations
    assert item.source.doc_id in {c.doc_id for c in answer.citations}
    # the explanation is the text around the item, not the item itself
    quoted = [s.text for s in answer.segments if s.cite is not None]
    assert quoted and all(item.text not in q and q not in item.text for q in quoted)
