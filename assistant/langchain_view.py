"""The retriever as a LangChain `BaseRetriever` (imported from `assistant.retrieval` on first use)."""
from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class GuideRetriever(BaseRetriever):
    """LangChain view of any `Retriever`: documents carry the passage metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    retriever: object
    k: int = 6

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = []
        for hit in self.retriever.retrieve(query, self.k):
            p = hit.passage
            docs.append(Document(page_content=p.text, id=p.id, metadata={
                "passage_id": p.id, "doc_id": p.doc_id, "section": p.section_path, "page": p.page_label,
                "score": hit.score, **{f"rank_{n}": r for n, r in hit.ranks.items()}}))
        return docs
