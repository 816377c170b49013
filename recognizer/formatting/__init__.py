"""Readable transcripts: spoken words in, written tokens out, each traced to the words it came from.

Pure (no Kafka): the recognizer applies it to final results before they leave it, and
`streamscribe format` to text. The steps, in order, each optional (`FormattingOptions`):
redaction of personal data (`pii`), inverse text normalization with NVIDIA's grammars (`itn`),
then punctuation and casing (`punctuation`). docs/formatting.md lists what each does.
"""

from recognizer.formatting.formatter import Formatter, FormattingOptions
from recognizer.formatting.tokens import Formatted, Span, WrittenToken

__all__ = ["Formatted", "Formatter", "FormattingOptions", "Span", "WrittenToken"]
