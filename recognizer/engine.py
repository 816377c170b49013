"""The recognition core: batch audio, run the model, decode, build `Transcript`s.

One path for everything that recognises speech: the recognizer worker (`recognize`: segments
in, transcripts out), the benchmarks, and training's `train evaluate` and LM tuning
(`transcribe`, `forward` + `decode`: float audio in), so the WER training reports is the WER
the service gives (same short-audio padding, silence gate, batching and decoders).
No Kafka here: the worker hands in segments it read and writes what comes back.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from prometheus_client import CollectorRegistry

from recognizer.batching import (
    PreparedAudio,
    bucket_by_length,
    loudest_frame_dbfs,
    pad_batch,
    pad_to_min_length,
)
from recognizer.decode_pool import DecoderPool
from recognizer.decoding import BeamDecoder, Decoded, Vocabulary, greedy_decode
from recognizer.formatting import Formatter
from recognizer.formatting.hidden_event import default_punctuator
from recognizer.formatting.itn import NemoInverseNormalizer
from recognizer.metrics import RecognizerMetrics
from recognizer.model import AcousticModel
from recognizer.result_formatting import ResultFormatter
from recognizer.settings import RecognizerSettings
from recognizer.windows import owned_words, with_stability
from streamscribe.contracts import Segment, Transcript, Word
from streamscribe.pcm import pcm_s16le_to_float

MIN_MODEL_SECONDS = 1.0  # NeMo's transcribe() pads shorter in-memory audio to this length


class Decoder(Protocol):
    """Turns one utterance's log-probabilities into words."""

    def decode(self, log_probs: np.ndarray) -> Decoded: ...


@dataclass(frozen=True, slots=True)
class Utterance:
    """One utterance after the forward pass: the audio as the model saw it, and its output.

    `log_probs` is None when the model did not hear it (empty, or below the silence gate).
    """

    prepared: PreparedAudio
    log_probs: np.ndarray | None

    def decode(self, decoder: Decoder) -> Decoded:
        """The decoder's words, or none when the model did not hear the utterance."""
        return Decoded(()) if self.log_probs is None else decoder.decode(self.log_probs)


@dataclass(frozen=True, slots=True)
class GreedyDecoder:
    """Best-path decoding (see recognizer.decoding.greedy_decode)."""

    vocabulary: Vocabulary

    def decode(self, log_probs: np.ndarray) -> Decoded:
        return greedy_decode(log_probs, self.vocabulary)


def build_decoder(settings: RecognizerSettings, vocabulary: Vocabulary) -> Decoder:
    """The decoder the settings ask for."""
    if settings.decoder == "greedy":
        return GreedyDecoder(vocabulary)
    return BeamDecoder(vocabulary, settings.beam_options(), settings.language_model())


@dataclass
class RecognitionEngine:
    """A model and a decoder; recognises any mix of segments from any streams.

    Segments with no 20 ms frame louder than `silence_dbfs` (None: no such check) skip the
    model and get an empty transcript: a CTC model fed near-silence padded to one second tends
    to make up a letter or two, e.g. for the silent tail the stream app emits after a pause.
    """

    model: AcousticModel
    decoder: Decoder
    max_batch: int = 16
    max_padding: float = 0.5
    silence_dbfs: float | None = -50.0
    metrics: RecognizerMetrics = field(default_factory=lambda: RecognizerMetrics(CollectorRegistry()))
    stable_after_seconds: float = 0.6
    decoder_pool: DecoderPool | None = None  # decodes a batch for the engine's decoder in parallel
    formatter: ResultFormatter | None = None  # formats results (recognizer.result_formatting); None: raw

    @classmethod
    def from_settings(cls, settings: RecognizerSettings, metrics: RecognizerMetrics | None = None) -> RecognitionEngine:
        """Load the model and build the decoder the settings name (reporting to `metrics`, if given)."""
        if settings.torch_threads:
            AcousticModel.use_cpu_threads(settings.torch_threads)
        model = AcousticModel.load(settings.model_source(), settings.device)
        if settings.fast_convolutions:
            model.use_fast_convolutions()
        if settings.compile_encoder:
            model.compile_encoder()
        decoder = build_decoder(settings, model.vocabulary)
        metrics = metrics or RecognizerMetrics(CollectorRegistry())
        options = settings.formatting_options()
        itn = NemoInverseNormalizer()  # a stream may ask for `full`: then it loads on first use
        if options.formatting == "full":
            itn.load()  # now, before the decoding processes fork, so they share it
        formatter = ResultFormatter(Formatter(itn, default_punctuator()), options, metrics)
        parallel = isinstance(decoder, BeamDecoder) and settings.decode_processes > 1
        pool = DecoderPool(decoder, settings.decode_processes, formatter.formatter) if parallel else None
        return cls(model, decoder, settings.max_batch, settings.max_padding, settings.silence_dbfs, metrics,
                   stable_after_seconds=settings.stable_after_ms / 1000, decoder_pool=pool, formatter=formatter)

    def recognize(self, segments: Sequence[Segment]) -> list[Transcript]:
        """One transcript per segment, in the order given."""
        utterances = self.forward([pcm_s16le_to_float(s.pcm) for s in segments])
        decoded = self.decode(utterances)
        transcripts = [
            self._transcript(s, u.prepared, d) for s, u, d in zip(segments, utterances, decoded, strict=True)
        ]
        if self.formatter is None:
            return transcripts
        pool = self.decoder_pool
        options = [self.formatter.options_for(segment.headers.recognition) for segment in segments]
        return self.formatter.format_results(transcripts, pool.format_all if pool is not None else None, options)

    def transcribe(self, waveforms: Sequence[np.ndarray]) -> list[Decoded]:
        """The served path for offline audio (training's WER, LM tuning): float samples in, words out."""
        return self.decode(self.forward(waveforms))

    def forward(self, waveforms: Sequence[np.ndarray]) -> list[Utterance]:
        """Each utterance prepared as served (short audio padded, silence gated) and, if audible,
        its log-probabilities from batched forward passes."""
        min_samples = int(MIN_MODEL_SECONDS * self.model.sample_rate)
        prepared = [pad_to_min_length(samples, min_samples) for samples in waveforms]
        log_probs: list[np.ndarray | None] = [None] * len(prepared)
        audible = [i for i, samples in enumerate(waveforms) if self._audible(samples)]
        lengths = [len(prepared[i].samples) for i in audible]
        for bucket in bucket_by_length(lengths, self.max_batch, self.max_padding):
            indices = [audible[i] for i in bucket]
            for index, output in zip(indices, self._forward_batch([prepared[i].samples for i in indices]), strict=True):
                log_probs[index] = output
        return [Utterance(p, lp) for p, lp in zip(prepared, log_probs, strict=True)]

    def decode(self, utterances: Sequence[Utterance], decoder: Decoder | None = None) -> list[Decoded]:
        """Decode each utterance with `decoder` (default: the engine's, in its pool's processes if it
        has one); unheard ones have no words."""
        started = time.perf_counter()
        if decoder is None and self.decoder_pool is not None:
            decoded = self._decode_in_pool(utterances, self.decoder_pool)
        else:
            decoded = [u.decode(decoder or self.decoder) for u in utterances]
        if any(u.log_probs is not None for u in utterances):
            self.metrics.decode_seconds.observe(time.perf_counter() - started)
        return decoded

    def close(self) -> None:
        """End the decoding processes, if any."""
        if self.decoder_pool is not None:
            self.decoder_pool.close()

    @staticmethod
    def _decode_in_pool(utterances: Sequence[Utterance], pool: DecoderPool) -> list[Decoded]:
        heard = [u.log_probs for u in utterances if u.log_probs is not None]
        results = iter(pool.decode_all(heard))
        return [Decoded(()) if u.log_probs is None else next(results) for u in utterances]

    def _audible(self, samples: np.ndarray) -> bool:
        if len(samples) == 0:
            return False
        return self.silence_dbfs is None or loudest_frame_dbfs(samples) > self.silence_dbfs

    def _forward_batch(self, waveforms: list[np.ndarray]) -> list[np.ndarray]:
        """Log-probabilities of each waveform (in the order given) from one forward pass."""
        batch = pad_batch(waveforms)
        started = time.perf_counter()
        log_probs = self.model.log_probs(batch)
        elapsed = time.perf_counter() - started
        self.metrics.batch_size.observe(len(batch))
        self.metrics.model_seconds.observe(elapsed)
        self.metrics.real_time_factor.observe(elapsed * self.model.sample_rate / float(batch.lengths.sum()))
        ordered: list[np.ndarray] = [np.empty(0)] * len(waveforms)
        for position, output in zip(batch.order, log_probs, strict=True):
            ordered[position] = output
        return ordered

    def _transcript(self, segment: Segment, prepared: PreparedAudio, decoded: Decoded) -> Transcript:
        frame = self.model.frame_seconds
        lead_in = prepared.lead_in_samples / self.model.sample_rate
        duration = segment.end_seconds - segment.start_seconds

        def stream_time(frame_index: int) -> float:
            within = min(max(frame_index * frame - lead_in, 0.0), duration)
            return round(segment.start_seconds + within, 3)

        heard = [
            Word(word=w.word, start=stream_time(w.start_frame), end=stream_time(w.end_frame),
                 confidence=round(w.confidence, 4))
            for w in decoded.words
        ]
        # the segment's context at either end belongs to its neighbours (recognizer.windows)
        start, end = round(segment.owned_start_seconds, 3), round(segment.owned_end_seconds, 3)
        words = owned_words(heard, start, end, last=segment.headers.tail_samples == 0)
        if not segment.headers.final:
            words = with_stability(words, round(segment.end_seconds, 3), self.stable_after_seconds)
        return Transcript(
            stream_id=segment.stream_id,
            segment=segment.headers.index,
            start=start,
            end=end,
            text=" ".join(word.word for word in words),
            final=segment.headers.final,
            words=words,
            model=self.model.name,
            eos=segment.headers.eos,
        )
