"""Our Messages -> OpenAI chat content parts: what the server actually receives, decoded back and checked."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

from eval_anything.media import media_part
from eval_anything.models.generation import truncate_at_stop
from eval_anything.models.request_building import (MediaOptions, RequestBuildError, build_chat_messages,
                                                   count_content_parts)
from eval_anything.types import Message, Part


def _decode_data_url(url: str) -> tuple[str, bytes]:
    head, b64 = url.split(",", 1)
    assert head.startswith("data:") and head.endswith(";base64")
    return head[5:-7], base64.b64decode(b64)


def test_text_only_messages_keep_string_content():
    msgs = (Message("system", (Part.of_text("be brief"),)), Message.user("a", "b"), Message.assistant("c"))
    assert build_chat_messages(msgs) == [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "ab"},
        {"role": "assistant", "content": "c"}]


def test_image_becomes_data_url_with_the_same_pixels(media):
    from PIL import Image

    msg = Message.user("look:", media_part(media["red"]), "and", media_part(media["blue"]))
    [built] = build_chat_messages((msg,))
    types = [c["type"] for c in built["content"]]
    assert types == ["text", "image_url", "text", "image_url"]  # interleaving order kept
    mime, data = _decode_data_url(built["content"][3]["image_url"]["url"])
    assert mime == "image/png"
    sent = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert (sent == np.asarray(Image.open(media["blue"]).convert("RGB"))).all()
    assert tuple(sent[0, 0]) == (20, 20, 220) and tuple(sent[16, 16]) == (235, 235, 35)


def test_audio_becomes_wav_input_audio_resampled(media):
    import soundfile as sf

    opts = MediaOptions(audio_sampling_rate=16000)
    [built] = build_chat_messages((Message.user(media_part(media["tone_hi"]), "pitch?"),), opts)
    part = built["content"][0]
    assert part["type"] == "input_audio" and part["input_audio"]["format"] == "wav"
    raw = base64.b64decode(part["input_audio"]["data"])
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WAVE"  # FLAC in, WAV out
    audio, sr = sf.read(io.BytesIO(raw))
    assert sr == 16000 and abs(len(audio) - 16000) <= 1
    # Still a 2 kHz tone after resampling: the spectrum peaks there.
    peak = np.argmax(np.abs(np.fft.rfft(audio))) * sr / len(audio)
    assert abs(peak - 2000) < 20


def test_video_becomes_sampled_frames(media):
    from PIL import Image

    opts = MediaOptions(num_frames=4, frame_size=16)
    [built] = build_chat_messages((Message.user("where does it go?", media_part(media["video"])),), opts)
    frames = [c for c in built["content"] if c["type"] == "image_url"]
    assert len(frames) == 4 and count_content_parts([built]) == {"text": 1, "image_url": 4}
    xs = []
    for f in frames:
        mime, data = _decode_data_url(f["image_url"]["url"])
        im = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=float)
        assert mime == "image/jpeg" and im.shape == (16, 16)
        xs.append((im.sum(axis=0) * np.arange(16)).sum() / im.sum())  # horizontal centre of brightness
    assert xs == sorted(xs) and xs[-1] - xs[0] > 5  # the square moves left to right across the sampled frames
    more = build_chat_messages((Message.user(media_part(media["video"])),), MediaOptions(num_frames=7))
    assert count_content_parts(more) == {"image_url": 7}


def test_video_url_mode_sends_the_file(media):
    [built] = build_chat_messages((Message.user(media_part(media["video"])),), MediaOptions(video_mode="video_url"))
    mime, data = _decode_data_url(built["content"][0]["video_url"]["url"])
    assert mime == "video/mp4" and data == media["video"].read_bytes()


@pytest.mark.parametrize("key,kind", [("missing", "image"), ("corrupt_image", "image"),
                                      ("corrupt_audio", "audio"), ("corrupt_video", "video")])
def test_bad_media_raises_an_error_naming_the_file(media, key, kind):
    path = media[key]
    part = Part(type=kind, path=str(path), sha256="0" * 64)
    with pytest.raises(RequestBuildError) as err:
        build_chat_messages((Message.user("q", part),))
    assert str(path) in str(err.value) and kind in str(err.value)


def test_options_validate_and_pop_from_model_args():
    args = {"num_frames": 3, "frame_size": "none", "video_mode": "frames", "concurrency": 4}
    opts = MediaOptions.from_model_args(args)
    assert opts.num_frames == 3 and opts.frame_size is None and args == {"concurrency": 4}
    for bad in ({"num_frames": 0}, {"video_mode": "gif"}, {"frame_format": "bmp"}, {"audio_sampling_rate": 0}):
        with pytest.raises(ValueError):
            MediaOptions(**bad)


def test_truncate_at_stop_cuts_at_the_earliest():
    assert truncate_at_stop("a\n\nb Question: c", ["Question:", "\n\n"]) == "a"
    assert truncate_at_stop("abc", []) == "abc" and truncate_at_stop("abc", [""]) == "abc"


def test_multiple_choice_as_generation_helpers(media):
    from eval_anything.models.request_building import multiple_choice_messages, parse_choice_letter

    msgs = (Message("system", (Part.of_text("sys"),)), Message.user(media_part(media["red"]), "Which colour?"))
    out = multiple_choice_messages(msgs, ["red", "green", "blue"])
    assert out[0] == msgs[0] and out[1].parts[:2] == msgs[1].parts
    assert out[1].parts[-1].text == "\nA. red\nB. green\nC. blue\nAnswer with the letter of the correct option only."
    cases = {"B": 1, " (c) ": 2, "Answer: A.": 0, "The answer is (B)": 1, "C. blue": 2, "b": 1,
             "I think it is A": 0, "D": None, "": None, None: None, "none of them": None}
    for text, want in cases.items():
        assert parse_choice_letter(text, 3) == want, text
