"""The causal adapter against plain transformers forward passes (the Bar: equal to 1e-4)."""

import pytest
import torch

from eval_anything.models.hf_causal import HFCausalLM
from eval_anything.types import GenerationSettings, Message, Request


@pytest.fixture(scope="module")
def model_and_tok(tiny_llama_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(tiny_llama_path).eval(), AutoTokenizer.from_pretrained(tiny_llama_path)


def reference_loglikelihood(model, tok, context, continuation):
    """One unpadded forward pass over context + continuation, split as lm-evaluation-harness splits them."""
    ctx = tok(context, add_special_tokens=False)["input_ids"]
    whole = tok(context + continuation, add_special_tokens=False)["input_ids"]
    cont = whole[len(ctx):]
    with torch.no_grad():
        logp = model(torch.tensor([whole])).logits.log_softmax(-1)[0]
    return sum(logp[len(ctx) - 1 + j, t].item() for j, t in enumerate(cont))


CONTEXTS = ["Question: what colour is the sky?\nAnswer:", "2 + 2 =", "x",
            "A long context about apples, books and trains that cost many dollars every single hour of the day\nAnswer:"]
CHOICES = [" blue", " red apples", " 4", " the sun is high and so on"]


def _requests():
    return [Request("loglikelihood", (Message.user(c),), continuation=ch, context_text=c)
            for c in CONTEXTS for ch in CHOICES]


@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_loglikelihood_matches_plain_forward(model_and_tok, batch_size):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok, batch_size=batch_size)
    reqs = _requests()
    got = adapter.loglikelihood(reqs)
    for r, resp in zip(reqs, got):
        assert resp.logprob == pytest.approx(reference_loglikelihood(model, tok, r.context_text, r.continuation),
                                             abs=1e-4)


def test_shared_context_runs_context_once_per_sample(model_and_tok):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok, batch_size=16)
    seen = []
    handle = model.register_forward_hook(lambda m, a, kw, out: seen.append(kw["input_ids"].shape), with_kwargs=True)
    try:
        adapter.loglikelihood(_requests())
    finally:
        handle.remove()
    # one batch of 16 rows = 4 contexts x 4 choices: a forward over 4 contexts, then one over 16 continuations
    assert [s[0] for s in seen] == [4, 16]
    long_ctx = len(tok(CONTEXTS[3], add_special_tokens=False)["input_ids"])
    assert seen[0][1] == long_ctx and seen[1][1] < long_ctx


def test_trailing_space_moves_to_continuation(model_and_tok):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok)
    a = adapter.loglikelihood([Request("loglikelihood", (), continuation="blue", context_text="Answer: ")])[0]
    assert a.logprob == pytest.approx(reference_loglikelihood(model, tok, "Answer:", " blue"), abs=1e-4)


def test_batch_plan_groups_whole_samples(model_and_tok):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok, batch_size=6)
    plan = adapter.batch_plan(_requests())
    assert sorted(i for b in plan for i in b) == list(range(16))
    for batch in plan:  # a context's choices never straddle two batches
        assert len({i // 4 for i in batch}) * 4 == len(batch)


def test_greedy_generation_matches_plain_generate(model_and_tok):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok, batch_size=4, chat_template="never")
    prompts = ["Question: 1 plus 2?\nAnswer:", "apple", "the train leaves at"]
    reqs = [Request("generate", (Message.user(p),), context_text=p,
                    generation=GenerationSettings(max_new_tokens=6)) for p in prompts]
    got = adapter.generate(reqs)
    for p, resp in zip(prompts, got):
        ids = tok(p, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=6, do_sample=False, pad_token_id=tok.pad_token_id)
        assert resp.text == tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        assert resp.n_output_tokens == 6


def test_stop_sequences_truncate(model_and_tok):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok, chat_template="never")
    req = Request("generate", (Message.user("apple"),), context_text="apple",
                  generation=GenerationSettings(max_new_tokens=12))
    full = adapter.generate([req])[0].text
    assert len(full) > 3
    stop = full[2:4]
    cut = adapter.generate([req.with_generation(stop=(stop,))])[0].text
    assert cut == full[: full.find(stop)]


def test_sampling_is_seeded(model_and_tok):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok, chat_template="never")
    req = Request("generate", (Message.user("apple"),), context_text="apple",
                  generation=GenerationSettings(max_new_tokens=10, temperature=1.0, seed=3))
    assert adapter.generate([req])[0].text == adapter.generate([req])[0].text


def test_chat_template_used_for_generation_when_present(model_and_tok):
    model, tok = model_and_tok
    adapter = HFCausalLM.from_model(model, tok)
    gen = Request("generate", (Message.user("hi"),), context_text="hi")
    ll = Request("loglikelihood", (Message.user("hi"),), context_text="hi", continuation=" x")
    assert adapter.render(gen).startswith("<|user|>hi")
    assert adapter.render(ll) == "hi"  # raw text for log-likelihoods, as lm-evaluation-harness does


def test_in_memory_fingerprint_tracks_weights(model_and_tok):
    model, tok = model_and_tok
    fp = HFCausalLM.from_model(model, tok).fingerprint()
    with torch.no_grad():
        p = next(model.parameters())
        p[0, 0] += 1.0
        try:
            assert HFCausalLM.from_model(model, tok).fingerprint() != fp
        finally:
            p[0, 0] -= 1.0


def test_bos_adding_tokenizer_matches_lm_eval_encoding(tiny_llama_path):
    """With a tokenizer that prepends BOS (as Llama's do), contexts carry BOS as in lm-evaluation-harness, whose
    default encode keeps the tokenizer's special tokens; the continuation is whole[len(context):]."""
    from tokenizers.processors import TemplateProcessing
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_path).eval()
    tok = AutoTokenizer.from_pretrained(tiny_llama_path)
    tok._tokenizer.post_processor = TemplateProcessing(single="<s> $A", special_tokens=[("<s>", tok.bos_token_id)])
    assert tok("x")["input_ids"][0] == tok.bos_token_id
    adapter = HFCausalLM.from_model(model, tok, batch_size=4)
    reqs = _requests()[:8]
    got = adapter.loglikelihood(reqs)
    for r, resp in zip(reqs, got):
        ctx, whole = tok.encode(r.context_text), tok.encode(r.context_text + r.continuation)
        assert ctx[0] == tok.bos_token_id
        with torch.no_grad():
            logp = model(torch.tensor([whole])).logits.log_softmax(-1)[0]
        ref = sum(logp[len(ctx) - 1 + j, t].item() for j, t in enumerate(whole[len(ctx):]))
        assert resp.logprob == pytest.approx(ref, abs=1e-4)
    # add_bos_token=False turns it off, as lm-eval's model argument of the same name does
    off = HFCausalLM.from_model(model, tok, add_bos_token=False)
    assert off._encode("x")[0] != tok.bos_token_id
    # a prompt that already starts with the BOS string (a chat template wrote it) gets no second BOS
    assert adapter._encode("<s>x").count(tok.bos_token_id) == 1
