"""Synthetic "utterances" for chapter 6: a signal made of phone-like segments, cut into frames.

Nothing is downloaded: every utterance is generated here. A phone is a pair of "formants"
(two tones at fixed frequencies, like the resonances of a vowel) plus noise; two of the eight
phones are glides whose formants move from one vowel to another (in opposite directions), so
a single frame from their middle cannot tell them apart, but its neighbours can.

    features, labels = make_utterance(np.random.default_rng(0))   # (T, 24) float32, (T,) int64
    corpus = make_corpus(40, seed=0)                              # a list of such pairs
"""

import numpy as np

SAMPLE_RATE = 8000  # samples per second
HOP = 80  # 10 ms between frame starts
WINDOW = 200  # 25 ms per frame
N_FFT = 256
N_BANDS = 24  # features per frame

# name: (formant 1, formant 2) at the start and at the end of the segment, in Hz.
PHONES = {
    "sil": None,  # silence: noise only
    "a": ((700, 1200), (700, 1200)),
    "i": ((300, 2300), (300, 2300)),
    "u": ((320, 800), (320, 800)),
    "e": ((500, 1900), (500, 1900)),
    "o": ((500, 950), (500, 950)),
    "ai": ((700, 1200), (300, 2300)),  # a glide from "a" to "i"
    "ia": ((300, 2300), (700, 1200)),  # the same glide backwards
}
NAMES = list(PHONES)

# Band edges spaced evenly on the mel scale (roughly how hearing spaces pitch), 0 to 4 kHz:
# narrow bands at low frequencies, wide ones at high, and none narrower than an FFT bin.
_MEL_TOP = 2595 * np.log10(1 + SAMPLE_RATE / 2 / 700)
_EDGES = 700 * (10 ** (np.linspace(0, _MEL_TOP, N_BANDS + 1) / 2595) - 1)
_BINS = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE)
_BAND_OF_BIN = np.clip(np.searchsorted(_EDGES, _BINS) - 1, 0, N_BANDS - 1)


def make_utterance(rng, **options):
    """One utterance -> features (T, N_BANDS) float32, labels (T,) int64 (the phone of each frame)."""
    signal, labels = synthesize(rng, **options)
    return frame_features(signal), labels


def synthesize(rng, n_segments=14, noise=0.6, min_frames=6, max_frames=18):
    """One utterance's waveform (n,) float64 and the phone of each of its frames (T,) int64.

    Segments of random phones and lengths follow each other; each segment's formants are
    jittered by a few percent, so no two "a" sounds are identical.
    """
    phones = rng.integers(0, len(NAMES), n_segments)
    lengths = rng.integers(min_frames, max_frames + 1, n_segments) * HOP
    n = int(lengths.sum()) + WINDOW
    f1, f2 = np.zeros(n), np.zeros(n)
    amp = np.zeros(n)
    label_of_sample = np.zeros(n, dtype=np.int64)
    start = 0
    for phone, length in zip(phones, lengths):
        spec = PHONES[NAMES[phone]]
        stop = start + length
        label_of_sample[start:stop] = phone
        if spec is not None:
            jitter = rng.uniform(0.94, 1.06, 2)
            ramp = np.linspace(0, 1, length)
            (a1, a2), (b1, b2) = spec
            f1[start:stop] = jitter[0] * (a1 + (b1 - a1) * ramp)
            f2[start:stop] = jitter[1] * (a2 + (b2 - a2) * ramp)
            amp[start:stop] = rng.uniform(0.6, 1.2)
        start = stop
    label_of_sample[start:] = label_of_sample[start - 1]
    # Integrating the frequency gives a phase with no jumps, so glides sweep smoothly.
    phase1 = 2 * np.pi * np.cumsum(f1) / SAMPLE_RATE
    phase2 = 2 * np.pi * np.cumsum(f2) / SAMPLE_RATE
    signal = amp * (np.sin(phase1) + 0.6 * np.sin(phase2)) + noise * rng.standard_normal(n)
    return signal, label_of_sample[WINDOW // 2 :: HOP][: _n_frames(n)]


def _n_frames(n_samples):
    return 1 + (n_samples - WINDOW) // HOP


def frame_features(signal):
    """signal (n,) -> log band energies (T, N_BANDS) float32, one row per 25 ms frame every 10 ms."""
    frames = np.lib.stride_tricks.sliding_window_view(signal, WINDOW)[::HOP]
    power = np.abs(np.fft.rfft(frames * np.hanning(WINDOW), N_FFT)) ** 2
    bands = np.zeros((len(frames), N_BANDS))
    np.add.at(bands.T, _BAND_OF_BIN, power.T)  # sum the FFT bins of each band
    return np.log(bands + 1e-3).astype(np.float32)


def make_corpus(n_utterances, seed=0, **options):
    """A list of n_utterances (features (T, N_BANDS) float32, labels (T,) int64) pairs."""
    rng = np.random.default_rng(seed)
    return [make_utterance(rng, **options) for _ in range(n_utterances)]
