"""What the carriers that answer in XML share: the answer read as an element tree, elements found by their
local name whatever their namespace, and a SOAP fault refused with its reason."""

from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

from carriers.base import PayloadInvalid


def read_xml(payload: Any, answer: str) -> ElementTree.Element:
    """The root element of `payload`, the XML text of `answer` (named in the refusal); `PayloadInvalid`
    when it is not text or not well-formed XML."""
    if not isinstance(payload, str):
        raise PayloadInvalid(f"(body): expected the XML text of {answer}")
    try:
        return ElementTree.fromstring(payload)
    except ElementTree.ParseError as error:
        raise PayloadInvalid(f"(body): not well-formed XML: {error}") from None


def local_name(tag: str) -> str:
    """A tag without its namespace (`{http://…}objeto` is `objeto`)."""
    return tag.rpartition("}")[2]


def child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    """The first child of `element` whose local name is `name`."""
    return next((found for found in element if local_name(found.tag) == name), None)


def descendants(element: ElementTree.Element, name: str) -> Iterator[ElementTree.Element]:
    """`element` and every element below it whose local name is `name`, in document order."""
    return (found for found in element.iter() if local_name(found.tag) == name)


def child_text(element: ElementTree.Element, *path: str) -> str | None:
    """The stripped text at a path of local names below `element`; None where it is absent or empty."""
    for name in path:
        found = child(element, name)
        if found is None:
            return None
        element = found
    return (element.text or "").strip() or None


def refuse_fault(root: ElementTree.Element) -> None:
    """`PayloadInvalid` with the reason of the SOAP `Fault` the answer holds, if it holds one."""
    fault = next(descendants(root, "Fault"), None)
    if fault is not None:
        reason = " ".join(text.strip() for text in fault.itertext() if text.strip())
        raise PayloadInvalid(f"Fault: {reason or 'SOAP fault without a reason'}")
