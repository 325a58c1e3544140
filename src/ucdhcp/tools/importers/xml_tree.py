"""A small element tree from XML text, parsed with expat and nothing else: a document type
declaration (and with it every entity declaration) is refused, so no entity is ever expanded,
and nothing named by the document is ever loaded or fetched."""

from dataclasses import dataclass, field
from xml.parsers import expat

from .seen import UnreadableInputError


@dataclass(slots=True)
class Element:
    name: str
    text: str = ""
    children: list["Element"] = field(default_factory=list)

    def all(self, *path: str) -> list["Element"]:
        """The elements at the end of `path` below this one, in document order."""
        found = [self]
        for name in path:
            found = [child for element in found for child in element.children if child.name == name]
        return found

    def first(self, name: str) -> "Element | None":
        return next((child for child in self.children if child.name == name), None)

    def value(self, name: str) -> str:
        """The stripped text of the first child `name`; empty when there is none."""
        child = self.first(name)
        return "" if child is None else child.text.strip()


class _RefusedError(Exception):
    pass


def parse_xml(text: str) -> Element:
    """The document element of `text`.

    Raises:
        UnreadableInputError: not well-formed XML, or a DOCTYPE or entity declaration.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack = [Element("")]

    def refuse(*_: object) -> int:
        raise _RefusedError

    def start(name: str, _attributes: dict[str, str]) -> None:
        element = Element(name)
        stack[-1].children.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        stack[-1].text += data

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(text, True)
    except _RefusedError:
        raise UnreadableInputError(
            "the XML has a document type or entity declaration: refused (an export has none)"
        ) from None
    except expat.ExpatError as error:
        raise UnreadableInputError(f"not well-formed XML: {error}") from None
    return stack[0].children[0]
