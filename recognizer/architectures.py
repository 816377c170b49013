"""NeMo model configurations of every CTC-capable family, at a tiny size and at production size.

Used to build models with random weights: the tests build a tiny model of each family, save it
as `.nemo` and serve it; `bench capacity` builds production-size ones (throughput does not
depend on the weights). The shapes follow NVIDIA's published configs:

| family | NeMo class | production preset |
|---|---|---|
| `quartznet` (char) | `EncDecCTCModel`, `ConvASREncoder` (Jasper blocks) | QuartzNet 15x5 (~19 M) |
| `citrinet` (BPE) | `EncDecCTCModelBPE`, `ConvASREncoder` with squeeze-excite | - |
| `conformer_ctc` (BPE) | `EncDecCTCModelBPE`, `ConformerEncoder` (striding x4) | Conformer-CTC large (~121 M) |
| `fastconformer_ctc` (BPE) | `EncDecCTCModelBPE`, `ConformerEncoder` (dw_striding x8) | Parakeet-CTC 0.6 B size |
| `fastconformer_hybrid` (BPE) | `EncDecHybridRNNTCTCBPEModel`, RNNT + auxiliary CTC head | - |

BPE families take a sentencepiece tokenizer folder (`tokenizer.model`). A production preset
without a tokenizer gets a character head with as many outputs as the real model's BPE
vocabulary, which costs the same to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamscribe.contracts import SEGMENT_SAMPLE_RATE

FAMILIES = ("quartznet", "citrinet", "conformer_ctc", "fastconformer_ctc", "fastconformer_hybrid")
CHARACTERS = [" ", *"abcdefghijklmnopqrstuvwxyz", "'"]


@dataclass(frozen=True)
class Preset:
    """One size of one family: its encoder dimensions and output vocabulary size."""

    family: str
    features: int
    width: int  # conv filters (QuartzNet/Citrinet) or d_model (Conformer)
    layers: int  # Jasper blocks x repeats, or Conformer layers
    heads: int = 0
    conv_kernel: int = 9
    vocabulary: int = len(CHARACTERS)  # outputs of the CTC head without the blank


TINY = {
    "quartznet": Preset("quartznet", features=32, width=64, layers=2),
    "citrinet": Preset("citrinet", features=32, width=64, layers=2),
    "conformer_ctc": Preset("conformer_ctc", features=64, width=32, layers=1, heads=2),
    "fastconformer_ctc": Preset("fastconformer_ctc", features=64, width=32, layers=1, heads=2),
    "fastconformer_hybrid": Preset("fastconformer_hybrid", features=64, width=32, layers=1, heads=2),
}
PRODUCTION = {
    "quartznet_15x5": Preset("quartznet", features=64, width=512, layers=15),
    "conformer_ctc_large": Preset("conformer_ctc", features=80, width=512, layers=18, heads=8, conv_kernel=31,
                                  vocabulary=128),
    "fastconformer_ctc_0.6b": Preset("fastconformer_ctc", features=80, width=1024, layers=24, heads=8,
                                     vocabulary=1024),
}


def _preprocessor(features: int, pad_to: int) -> dict[str, Any]:
    return {
        "_target_": "nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor",
        "sample_rate": SEGMENT_SAMPLE_RATE, "normalize": "per_feature", "window_size": 0.025, "window_stride": 0.01,
        "window": "hann", "features": features, "n_fft": 512, "dither": 0.0, "pad_to": pad_to,
    }


def _block(filters: int, kernel: int, repeat: int = 1, stride: int = 1, dilation: int = 1, residual: bool = True,
           se: bool = False) -> dict[str, Any]:
    block = {"filters": filters, "repeat": repeat, "kernel": [kernel], "stride": [stride], "dilation": [dilation],
             "dropout": 0.0, "residual": residual, "separable": True}
    if se:
        block |= {"se": True, "se_context_size": -1}
    if residual and stride > 1:  # Citrinet: the residual is strided too, the last sub-block strides
        block |= {"stride_last": True, "residual_mode": "stride_add"}
    return block


def _quartznet_blocks(preset: Preset) -> list[dict[str, Any]]:
    """QuartzNet BxR: a strided prolog, B blocks of R=5 sub-blocks in 5 kernel stages, epilogs."""
    if preset.layers < 5:  # tiny: one strided block and one residual block
        return [_block(preset.width, 11, stride=2, residual=False), _block(preset.width, 13, repeat=2)]
    narrow, wide = preset.width // 2, preset.width
    stages = [(narrow, 33), (narrow, 39), (wide, 51), (wide, 63), (wide, 75)]
    per_stage = preset.layers // len(stages)
    body = [_block(filters, kernel, repeat=5) for filters, kernel in stages for _ in range(per_stage)]
    return [_block(narrow, 33, stride=2, residual=False), *body,
            _block(wide, 87, dilation=2, residual=False), _block(2 * wide, 1, residual=False)]


def _citrinet_blocks(preset: Preset) -> list[dict[str, Any]]:
    """Citrinet: squeeze-excite separable blocks, three stride-2 stages (x8 in all)."""
    width = preset.width
    blocks = [_block(width, 5, residual=False, se=True)]
    for _stage in range(3):
        blocks.append(_block(width, 11, repeat=preset.layers, stride=2, se=True))
    return [*blocks, _block(width, 41, residual=False, se=True)]


def _conv_encoder(preset: Preset) -> dict[str, Any]:
    blocks = _quartznet_blocks(preset) if preset.family == "quartznet" else _citrinet_blocks(preset)
    return {"_target_": "nemo.collections.asr.modules.ConvASREncoder", "feat_in": preset.features,
            "activation": "relu", "conv_mask": True, "jasper": blocks}


def _conformer_encoder(preset: Preset) -> dict[str, Any]:
    fast = preset.family.startswith("fastconformer")
    return {
        "_target_": "nemo.collections.asr.modules.ConformerEncoder", "feat_in": preset.features,
        "n_layers": preset.layers, "d_model": preset.width, "n_heads": preset.heads,
        "subsampling": "dw_striding" if fast else "striding", "subsampling_factor": 8 if fast else 4,
        "subsampling_conv_channels": min(256, preset.width) if fast else preset.width,
        "ff_expansion_factor": 4, "self_attention_model": "rel_pos", "conv_kernel_size": preset.conv_kernel,
        "dropout": 0.0, "dropout_pre_encoder": 0.0, "dropout_emb": 0.0, "dropout_att": 0.0,
    }


def encoder_output_width(encoder: dict[str, Any]) -> int:
    """Channels the encoder hands to the CTC head."""
    return encoder["d_model"] if "d_model" in encoder else encoder["jasper"][-1]["filters"]


def _ctc_decoder(width: int, labels: list[str] | None) -> dict[str, Any]:
    decoder = {"_target_": "nemo.collections.asr.modules.ConvASRDecoder", "feat_in": width}
    if labels is not None:
        decoder |= {"num_classes": len(labels), "vocabulary": labels}
    else:  # filled in from the tokenizer by NeMo's BPE models
        decoder |= {"num_classes": -1, "vocabulary": []}
    return decoder


def _hybrid_parts(width: int) -> dict[str, Any]:
    """RNNT prediction network, joint and decoding of a hybrid model (vocabulary from the tokenizer)."""
    hidden = max(32, width)
    return {
        "model_defaults": {"enc_hidden": width, "pred_hidden": hidden},
        "decoder": {"_target_": "nemo.collections.asr.modules.RNNTDecoder", "normalization_mode": None,
                    "random_state_sampling": False, "blank_as_pad": True,
                    "prednet": {"pred_hidden": hidden, "pred_rnn_layers": 1, "t_max": None, "dropout": 0.0}},
        "joint": {"_target_": "nemo.collections.asr.modules.RNNTJoint", "preserve_memory": False,
                  "fuse_loss_wer": False, "num_classes": -1, "vocabulary": [],
                  "jointnet": {"joint_hidden": hidden, "activation": "relu", "dropout": 0.0,
                               "encoder_hidden": width, "pred_hidden": hidden}},
        "decoding": {"strategy": "greedy_batch", "greedy": {"max_symbols": 5}},
        "loss": {"loss_name": "default"},
        "aux_ctc": {"ctc_loss_weight": 0.3, "use_cer": False, "ctc_reduction": "mean_batch",
                    "decoder": _ctc_decoder(width, None), "decoding": {"strategy": "greedy"}},
    }


def model_config(preset: Preset, tokenizer_dir: Path | None = None) -> dict[str, Any]:
    """The `model` section of a NeMo config for `preset` (BPE when a tokenizer folder is given)."""
    conformer = "conformer" in preset.family
    encoder = _conformer_encoder(preset) if conformer else _conv_encoder(preset)
    width = encoder_output_width(encoder)
    config: dict[str, Any] = {"sample_rate": SEGMENT_SAMPLE_RATE, "preprocessor": _preprocessor(preset.features,
                                                                                         0 if conformer else 16),
                              "encoder": encoder}
    if tokenizer_dir is not None:
        config["tokenizer"] = {"dir": str(tokenizer_dir), "type": "bpe"}
    if preset.family == "fastconformer_hybrid":
        if tokenizer_dir is None:
            raise ValueError("the hybrid family is built with a tokenizer")
        return config | _hybrid_parts(width)
    labels = None if tokenizer_dir is not None else output_labels(preset)
    return config | {"labels": labels or [], "decoder": _ctc_decoder(width, labels)}


def output_labels(preset: Preset) -> list[str]:
    """Character labels: the alphabet, or stand-in symbols for a larger (BPE-sized) head."""
    if preset.vocabulary <= len(CHARACTERS):
        return CHARACTERS[: preset.vocabulary]
    return [*CHARACTERS, *(chr(0x4E00 + i) for i in range(preset.vocabulary - len(CHARACTERS)))]


def build_model(preset: Preset, tokenizer_dir: Path | None = None, seed: int = 0) -> Any:
    """A NeMo model of `preset` with random weights (seeded), in eval mode on the CPU."""
    import torch  # noqa: PLC0415
    from nemo.collections.asr.models import (  # noqa: PLC0415 - heavy
        EncDecCTCModel,
        EncDecCTCModelBPE,
        EncDecHybridRNNTCTCBPEModel,
    )
    from omegaconf import OmegaConf  # noqa: PLC0415

    torch.manual_seed(seed)
    config = OmegaConf.create(model_config(preset, tokenizer_dir))
    if preset.family == "fastconformer_hybrid":
        model_class = EncDecHybridRNNTCTCBPEModel
    else:
        model_class = EncDecCTCModelBPE if tokenizer_dir is not None else EncDecCTCModel
    return model_class(cfg=config).eval()
