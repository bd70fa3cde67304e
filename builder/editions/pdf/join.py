"""One PDF from a book's parts, each laid out by WeasyPrint with its page numbers continuing.

The first part is the base: its catalog (language, tagged-PDF marks, XMP metadata, viewer
preferences), document info and identifier are the book's, since every part has the same
head. The later parts bring their pages, and with them what points at those pages: outline
items (appended to the outline, open or closed as they were), named destinations, link
annotations, and the PDF/UA structure tree (their elements go under the first part's Document
element; their parent-tree keys move past the keys before them, and the pages' and
annotations' keys with them). qpdf (through pikepdf) copies objects between files keeping
their references, and writes object streams, so the joined file is about as small as a single
pass's; each part still embeds its own subset of the book face.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from builder.errors import EditionError


def join(pdfs: Sequence[bytes]) -> bytes:
    """The parts as one PDF (see the module's doc)."""
    import pikepdf

    base: Any = pikepdf.open(io.BytesIO(pdfs[0]))
    parts: list[Any] = [pikepdf.open(io.BytesIO(data)) for data in pdfs[1:]]
    document = _document_element(base.Root.StructTreeRoot)
    nums = list(base.Root.StructTreeRoot.ParentTree.Nums)
    key_base = _next_key(base.Root.StructTreeRoot)
    outline = base.Root.get("/Outlines")
    names = _names(base)
    for part in parts:
        first_page = len(base.pages)
        base.pages.extend(part.pages)
        for page in list(base.pages)[first_page:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + key_base
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + key_base
        # Copied after the pages, so that its references to them land on the copies.
        tree = base.copy_foreign(part.Root.StructTreeRoot)
        for kid in _kids(_document_element(tree)):
            if isinstance(kid, pikepdf.Dictionary) and "/P" in kid:
                kid.P = document
            document.K.append(kid)
        part_nums = list(tree.ParentTree.Nums)
        for position in range(0, len(part_nums), 2):
            nums += [int(part_nums[position]) + key_base, part_nums[position + 1]]
        key_base += _next_key(tree)
        if "/Outlines" in part.Root and "/First" in part.Root.Outlines:
            outline = _append_outline(base, outline, base.copy_foreign(part.Root.Outlines))
        names += _names_copied(base, part)
    base.Root.StructTreeRoot.ParentTree = base.make_indirect(
        pikepdf.Dictionary(Nums=pikepdf.Array(nums))
    )
    base.Root.StructTreeRoot.ParentTreeNextKey = key_base
    if names:
        names.sort(key=lambda pair: bytes(pair[0]))
        flat = pikepdf.Array([item for pair in names for item in pair])
        base.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=flat))
    output = io.BytesIO()
    # Object streams make the structure tree's many small objects as compact as WeasyPrint
    # writes them; the identifier's first half is the first part's (the edition's id).
    base.save(
        output,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
        min_version=base.pdf_version,
        fix_metadata_version=False,
    )
    return output.getvalue()


def _document_element(tree: Any) -> Any:
    kids = tree.K
    element = kids[0] if isinstance(kids, list) or hasattr(kids, "append") else kids
    if "/K" not in element:
        raise EditionError("cannot join PDF parts: empty structure tree")
    import pikepdf

    if not isinstance(element.K, pikepdf.Array):
        element.K = pikepdf.Array([element.K])
    return element


def _kids(element: Any) -> list[Any]:
    return list(element.K)


def _next_key(tree: Any) -> int:
    if "/ParentTreeNextKey" in tree:
        return int(tree.ParentTreeNextKey)
    if "/Kids" in tree.ParentTree:
        raise EditionError("cannot join PDF parts: nested parent tree")
    nums = tree.ParentTree.Nums
    return max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1


def _append_outline(pdf: Any, outline: Any, copied: Any) -> Any:
    """Link a copied part outline's top items after the base outline's last one."""
    import pikepdf

    if outline is None:
        outline = pdf.Root.Outlines = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=0)
        )
    item = copied.First
    if "/Last" in outline:
        outline.Last.Next = item
        item.Prev = outline.Last
    else:
        outline.First = item
        if "/Prev" in item:
            del item.Prev
    while True:
        item.Parent = outline
        # An open item shows its descendants: they count as visible entries of the root.
        count = int(item.get("/Count", 0))
        outline.Count = int(outline.get("/Count", 0)) + 1 + max(count, 0)
        if "/Next" not in item:
            break
        item = item.Next
    outline.Last = item
    return outline


def _names(pdf: Any) -> list[tuple[Any, Any]]:
    if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
        return []
    return _pairs(pdf.Root.Names.Dests)


def _pairs(tree: Any) -> list[tuple[Any, Any]]:
    """(name, destination) for every leaf of a name tree."""
    found: list[tuple[Any, Any]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        stack.extend(node.get("/Kids", []))
        pairs = list(node.get("/Names", []))
        found += [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return found


def _names_copied(base: Any, part: Any) -> list[tuple[Any, Any]]:
    """The part's named destinations, pointing at the copied pages."""
    if "/Names" not in part.Root or "/Dests" not in part.Root.Names:
        return []
    dests = part.Root.Names.Dests
    # qpdf copies only indirect objects between files (and everything they reach).
    return _pairs(base.copy_foreign(dests if dests.is_indirect else part.make_indirect(dests)))
