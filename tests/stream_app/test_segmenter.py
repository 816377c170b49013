"""The segmenter: every trigger fires within its bound, cuts land in quiet places, final segments
cover the audio exactly once, and a replay from a resume point cuts the same segments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stream_app.segmenter import Segmenter, SegmentingRules
from stream_app.settings import StreamAppSettings
from stream_app.synthetic import speech_like
from streamscribe.contracts.segment import EmitReason, Segment
from streamscribe.pcm import float_to_pcm_s16le

RATE = 16_000
CHUNK_MS = 100
NEVER = 10**9
STREAM = "s"


def rules(**overrides: object) -> SegmentingRules:
    values = {"max_segment_bytes": 10**8, "max_segment_age_ms": NEVER, "min_silence_ms": 300,
              "frame_ms": 20, "cut_search_ms": 1000, "interim_interval_ms": 0, "cut_overlap_ms": 0, **overrides}
    return StreamAppSettings(**values).segmenting_rules()


@dataclass
class Fed:
    """What feeding a segmenter produced: the cuts and, per cut, the index of the chunk that made it."""

    cuts: list[Segment]
    cut_in_chunk: list[int]


def feed(segmenter: Segmenter[int], pcm: bytes, chunk_samples: list[int], first_chunk: int = 0,
         first_sample: int = 0, start_ms: int = 0, eos: bool = True) -> Fed:
    """Push `pcm` in chunks (chunk i stamped start_ms + i*100 ms; its ref is i)."""
    fed, position, i = Fed([], []), 0, first_chunk
    while position < len(pcm):
        step = chunk_samples[i % len(chunk_samples)] * 2
        cuts = segmenter.push(pcm[position:position + step], first_sample + position // 2, start_ms + i * CHUNK_MS, i)
        fed.cuts += cuts
        fed.cut_in_chunk += [i] * len(cuts)
        position += step
        i += 1
    if eos:
        fed.cuts.append(segmenter.finish(EmitReason.EOS))
        fed.cut_in_chunk.append(i - 1)
    return fed


def assert_covers_once(cuts: list[Segment], pcm: bytes) -> None:
    """Final segments consume the audio once, in order; around a forced cut the next one repeats
    the overlap, and the two own complementary halves of it."""
    finals = [cut for cut in cuts if cut.headers.final]
    assert [cut.headers.index for cut in finals] == list(range(len(finals)))
    first, last = finals[0].headers, finals[-1].headers
    assert first.start_sample == 0 and first.lead_samples == 0 and last.tail_samples == 0
    for cut, after in zip(finals, finals[1:]):
        start, next_start = cut.headers.start_sample, after.headers.start_sample
        assert start < next_start <= cut.end_sample
        assert cut.end_sample - cut.headers.tail_samples == next_start + after.headers.lead_samples
        if next_start < cut.end_sample:  # only a forced cut shares audio
            assert cut.headers.reason in (EmitReason.BYTES, EmitReason.TIME)
        assert pcm[start * 2:cut.end_sample * 2] == cut.pcm
    stitched = [cut.pcm[:(after.headers.start_sample - cut.headers.start_sample) * 2]
                for cut, after in zip(finals, finals[1:])]
    assert b"".join(stitched) + finals[-1].pcm == pcm
    assert last.eos and not any(cut.headers.eos for cut in finals[:-1])


def test_final_segments_cover_the_audio_exactly_once_whatever_the_chunking() -> None:
    pcm = float_to_pcm_s16le(speech_like(np.random.default_rng(0), 20.0))
    for sizes in ([1600], [1, 333, 5000], [16000 * 3]):
        settings = rules(max_segment_bytes=64_000, max_segment_age_ms=3000, cut_overlap_ms=600)
        cuts = feed(Segmenter(settings, STREAM), pcm, sizes).cuts
        assert_covers_once(cuts, pcm)
        assert {EmitReason.PAUSE, EmitReason.EOS} <= {cut.headers.reason for cut in cuts}


def test_pause_cuts_once_min_silence_follows_speech() -> None:
    word = 0.3 * np.random.default_rng(1).standard_normal(RATE // 2)
    audio = np.concatenate([word, np.zeros(RATE // 2), word, np.zeros(RATE // 10)])
    pcm = float_to_pcm_s16le(audio)
    cuts = feed(Segmenter(rules(min_silence_ms=300), STREAM), pcm, [1600]).cuts
    assert [cut.headers.reason for cut in cuts] == [EmitReason.PAUSE, EmitReason.EOS]
    assert cuts[0].end_sample == RATE // 2 + int(0.3 * RATE)  # the frame completing 300 ms of silence
    # the 200 ms of silence after the cut and the trailing 100 ms stay with the second word
    assert_covers_once(cuts, pcm)


def test_silence_alone_never_triggers_a_pause() -> None:
    pcm = float_to_pcm_s16le(np.zeros(RATE * 3))
    cuts = feed(Segmenter(rules(min_silence_ms=100), STREAM), pcm, [1600]).cuts
    assert [cut.headers.reason for cut in cuts] == [EmitReason.EOS]


def test_bytes_threshold_is_never_exceeded_and_cuts_in_a_quiet_dip() -> None:
    speech = 0.3 * np.random.default_rng(2).standard_normal(RATE * 12)
    dip_start = int(3.55 * RATE)  # 0.1 s of silence inside the last second before the 4 s limit
    speech[dip_start:dip_start + RATE // 10] = 0
    pcm = float_to_pcm_s16le(speech)
    max_bytes = 4 * RATE * 2
    cuts = feed(Segmenter(rules(max_segment_bytes=max_bytes, cut_search_ms=1000), STREAM), pcm, [1600]).cuts
    assert all(len(cut.pcm) <= max_bytes for cut in cuts)
    bytes_cuts = [cut for cut in cuts if cut.headers.reason is EmitReason.BYTES]
    assert len(bytes_cuts) >= 2
    assert dip_start <= bytes_cuts[0].end_sample <= dip_start + RATE // 10  # inside the dip
    # no silence in reach: after the quietest frame of the last second before the limit
    second = bytes_cuts[1]
    window = np.frombuffer(pcm, "<i2")[second.headers.start_sample:second.headers.start_sample + max_bytes // 2]
    energies = (window.astype(np.int64) ** 2).reshape(-1, 320).sum(axis=1)[-50:]
    assert (len(second.pcm) - (max_bytes - RATE * 2)) // 640 == int(np.argmin(energies)) + 1
    assert_covers_once(cuts, pcm)


def test_time_threshold_bounds_how_long_audio_waits() -> None:
    pcm = float_to_pcm_s16le(0.3 * np.random.default_rng(3).standard_normal(RATE * 10))
    max_age = 1500
    fed = feed(Segmenter(rules(max_segment_age_ms=max_age, cut_search_ms=400), STREAM), pcm, [1600])
    time_cuts = [(cut, chunk) for cut, chunk in zip(fed.cuts, fed.cut_in_chunk, strict=True)
                 if cut.headers.reason is EmitReason.TIME]
    assert len(time_cuts) >= 5
    for cut, chunk in time_cuts:
        first_chunk = cut.headers.start_sample // 1600  # chunks are 100 ms = 1600 samples, stamped 100 ms apart
        waited_ms = (chunk - first_chunk) * CHUNK_MS
        assert max_age <= waited_ms < max_age + CHUNK_MS
        assert cut.headers.produced_at_ms <= chunk * CHUNK_MS
    assert_covers_once(fed.cuts, pcm)


def test_end_of_stream_emits_the_rest_even_when_empty() -> None:
    segmenter: Segmenter[int] = Segmenter(rules(), STREAM)
    assert segmenter.push(float_to_pcm_s16le(np.full(100, 0.2)), 0, 0, 0) == []
    last = segmenter.finish(EmitReason.EOS)
    headers = last.headers
    assert (headers.index, headers.start_sample, len(last.pcm), headers.eos, headers.final) == (0, 0, 200, True, True)
    empty = Segmenter(rules(), STREAM, start_sample=500, next_index=3).finish(EmitReason.IDLE)
    headers = empty.headers
    assert (headers.index, headers.start_sample, empty.pcm, headers.reason) == (3, 500, b"", EmitReason.IDLE)


def test_replay_from_the_resume_point_cuts_the_same_segments() -> None:
    pcm = float_to_pcm_s16le(speech_like(np.random.default_rng(4), 30.0))
    chunk = 1600
    settings = rules(max_segment_bytes=96_000, max_segment_age_ms=2500, cut_search_ms=500)
    original: Segmenter[int] = Segmenter(settings, STREAM)
    head = feed(original, pcm[: 180 * chunk * 2], [chunk], eos=False)
    assert head.cuts, "the first 18 s must have produced segments"
    resume_chunk = original.resume_ref
    assert resume_chunk is not None and resume_chunk * chunk <= original.start_sample
    # the original carries on; a "restarted" one is rebuilt from the checkpoint and replays
    rest_original = feed(original, pcm[180 * chunk * 2:], [chunk], first_chunk=180, first_sample=180 * chunk)
    restored: Segmenter[int] = Segmenter(settings, STREAM, head.cuts[-1].end_sample, head.cuts[-1].headers.index + 1,
                                         latest_timestamp_ms=(resume_chunk - 1) * CHUNK_MS)
    replayed = feed(restored, pcm[resume_chunk * chunk * 2:], [chunk], first_chunk=resume_chunk,
                    first_sample=resume_chunk * chunk)
    assert replayed.cuts == rest_original.cuts


def test_interim_previews_hold_the_new_audio_and_bounded_context_without_consuming_it() -> None:
    pcm = float_to_pcm_s16le(speech_like(np.random.default_rng(5), 12.0))
    settings = rules(interim_interval_ms=500, interim_context_ms=600, max_segment_age_ms=4000)
    cuts = feed(Segmenter(settings, STREAM), pcm, [1600]).cuts
    interims = [cut for cut in cuts if not cut.headers.final]
    assert len(interims) >= 15
    assert all(cut.headers.reason is EmitReason.INTERIM and not cut.headers.eos for cut in interims)
    finals = {cut.headers.index: cut.headers for cut in cuts if cut.headers.final}
    owned_until: dict[int, int] = {}
    for interim in interims:
        preview = interim.headers
        final = finals[preview.index]  # the index the next final segment gets
        assert pcm[preview.start_sample * 2:interim.end_sample * 2] == interim.pcm
        assert final.start_sample <= preview.start_sample and len(interim.pcm) <= (500 + 600 + 100) * 32
        # the previews of one segment own consecutive stretches from the segment's own start on
        owned_from = preview.start_sample + preview.lead_samples
        expected = owned_until.get(preview.index, final.start_sample + final.lead_samples)
        assert owned_from <= expected and interim.end_sample > expected
        assert owned_from == max(final.start_sample + final.lead_samples, expected - 300 * 16)
        owned_until[preview.index] = interim.end_sample
    assert_covers_once(cuts, pcm)


def test_no_preview_of_new_audio_without_speech_and_none_when_unwanted() -> None:
    word = 0.3 * np.random.default_rng(2).standard_normal(RATE)
    audio = np.concatenate([np.zeros(RATE * 2), word, np.zeros(RATE * 2)])  # 2 s silence, 1 s speech, 2 s silence
    pcm = float_to_pcm_s16le(audio)
    settings = rules(interim_interval_ms=400, interim_context_ms=600, min_silence_ms=NEVER // 1000)
    cuts = feed(Segmenter(settings, STREAM), pcm, [1600]).cuts
    previews = [cut for cut in cuts if not cut.headers.final]
    assert previews, "the speech is previewed"
    for preview in previews:  # each one's new audio (after its context) reaches into the speech
        new_from = preview.headers.start_sample + preview.headers.lead_samples + 300 * 16
        assert new_from < 3 * RATE and preview.end_sample > 2 * RATE
    # unwanted (the chunks are too old to preview): the same final segments, no preview
    unwanted: Segmenter[int] = Segmenter(settings, STREAM)
    quiet = [cut for i in range(0, len(pcm), 3200)
             for cut in unwanted.push(pcm[i:i + 3200], i // 2, i // 32, i, previews=False)]
    quiet.append(unwanted.finish(EmitReason.EOS))
    assert all(cut.headers.final for cut in quiet)
    assert [cut.pcm for cut in quiet] == [cut.pcm for cut in cuts if cut.headers.final]


def test_a_forced_cut_shares_its_overlap_and_a_replay_keeps_it() -> None:
    pcm = float_to_pcm_s16le(0.3 * np.random.default_rng(6).standard_normal(RATE * 12))
    settings = rules(max_segment_age_ms=3000, cut_search_ms=400, cut_overlap_ms=800)
    fed = feed(Segmenter(settings, STREAM), pcm, [1600])
    finals = [cut for cut in fed.cuts if cut.headers.final]
    forced = [cut for cut in finals if cut.headers.reason is EmitReason.TIME]
    assert len(forced) >= 3
    for cut, after in zip(finals, finals[1:]):
        if cut.headers.reason is EmitReason.TIME:
            assert cut.end_sample - after.headers.start_sample == 800 * 16
            assert (cut.headers.tail_samples, after.headers.lead_samples) == (400 * 16, 400 * 16)
    assert_covers_once(fed.cuts, pcm)
    # a segmenter restored where the second segment starts (with its overlap) cuts the same rest
    second = finals[1]
    resume_chunk = second.headers.start_sample // 1600
    restored: Segmenter[int] = Segmenter(settings, STREAM, second.headers.start_sample, 1,
                                         (resume_chunk - 1) * CHUNK_MS, overlapped=True)
    replayed = feed(restored, pcm[resume_chunk * 1600 * 2:], [1600], first_chunk=resume_chunk,
                    first_sample=resume_chunk * 1600)
    assert replayed.cuts == fed.cuts[1:]
