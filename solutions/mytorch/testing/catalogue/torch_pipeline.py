"""Chapter 6 (torch_pipeline): its exercises and their typical mistakes (format: __init__.py).

The exercises are notebook code around PyTorch, so their mistakes are recognised by what the code
does (the sentences below): the losses it produces, the calls it makes, what it keeps in memory.
"""

EXERCISES = {
    "6.1": dict(
        title="ContextWindows",
        check="torch_pipeline.context_windows",
        causes={
            "window_zero_padding": "the window equals the zero-padded one",
            "window_shifted": "the window of frame t is that of frame t + k",
            "window_flatten_order": "the window holds the right numbers, flattened feature by feature",
            "len_counts_padding": "len is T + 2k",
            "len_drops_edges": "len is T - 2k",
            "windows_up_front": "the dataset keeps far more numbers than the padded array",
            "dunder_typo": "a method named like __len__ or __getitem__ but misspelt",
        },
    ),
    "6.2": dict(
        title="train_twins",
        check="torch_pipeline.twins",
        causes={
            "missing_zero_grad": "the losses of a loop without zero_grad",
            "missing_step": "the losses of the untrained model",
            "momentum_not_passed": "the losses of SGD without momentum",
            "twin_after_training": "the first loss differs from the torch model's",
            "losses_as_tensors": "the losses are tensors",
        },
    ),
    "6.3": dict(
        title="train_and_validate",
        check="torch_pipeline.fix_pipeline",
        causes={
            "dunder_typo": "a method named like __len__ or __getitem__ but misspelt",
            "missing_super_init": "building the model fails before Module.__init__()",
            "layers_in_a_set": "the layers run in another order",
            "missing_zero_grad": "gradients accumulate over the steps",
            "train_mode_lost": "training batches run in eval mode",
            "eval_never_called": "validation runs in training mode",
            "no_grad_missing": "validation records a graph",
            "dropped_to_device": "a line calls .to(device) and drops the result",
        },
    ),
    "6.4": dict(
        title="device_batches",
        check="torch_pipeline.device_batches",
        causes={
            "batches_drop_last": "the last, smaller batch is missing",
            "batches_with_replacement": "samples repeat or go missing in an epoch",
            "batches_not_shuffled": "the samples come in stored order",
            "same_order_every_epoch": "two epochs give the same order",
            "generator_ignored": "the same seed gives another order",
            "per_sample_loop": "X is indexed once per sample",
        },
    ),
}

CAUSES = {
    "window_zero_padding": (
        "zero padding",
        "the edges are padded with zeros, which look like a sudden drop in "
        "energy: repeat the first and last frame, np.pad(..., mode='edge')",
    ),
    "window_shifted": (
        "window shifted by k",
        "in the padded array frame t sits at row t + k, so its window is rows t .. t + 2k, not t + k .. t + 3k",
    ),
    "window_flatten_order": (
        "wrong flatten order",
        "the window is flattened feature by feature; keep the frames "
        "in order: the (2k+1, F) slice reshaped to ((2k+1) F,), no transpose",
    ),
    "len_counts_padding": (
        "padding counted in len",
        "there is one sample per frame of the utterance: len is T, not the T + 2k rows of the padded array",
    ),
    "len_drops_edges": (
        "edge frames dropped",
        "every frame is a sample, the edge frames included (that is what the padding is for): len is T, not T - 2k",
    ),
    "windows_up_front": (
        "every window built up front",
        "storing all windows keeps each frame 2k+1 times: keep the padded array and slice it in __getitem__",
    ),
    "dunder_typo": (
        "misspelt dunder method",
        "Python only calls methods spelt exactly __len__ and __getitem__ "
        "(two underscores on each side); a name with two leading underscores and fewer trailing "
        "ones is even renamed to _Class__name",
    ),
    "missing_zero_grad": (
        "missing zero_grad",
        "backward adds into .grad: call optimizer.zero_grad() before each "
        "backward, or every step uses the sum of all gradients so far",
    ),
    "missing_step": (
        "no optimizer step",
        "the parameters never change: call optimizer.step() after backward, "
        "on an optimizer built from the model's parameters",
    ),
    "momentum_not_passed": (
        "momentum not passed",
        "build the optimizer with momentum=momentum (SGD's default is no momentum)",
    ),
    "twin_after_training": (
        "twin made after training",
        "from_torch copies the weights it sees: make the mytorch "
        "twin BEFORE the torch model trains, so both start from the same weights",
    ),
    "losses_as_tensors": (
        "losses kept as tensors",
        "append loss.item(), a float: a tensor keeps its whole graph alive, and memory grows every step",
    ),
    "missing_super_init": (
        "missing super().__init__()",
        "nn.Module's __init__ creates the registries that "
        "self.layer = ... fills: call super().__init__() first in __init__",
    ),
    "layers_in_a_set": (
        "layer order lost",
        "a set has no order (it follows hash values): put the layers in a list, or straight into nn.Sequential(...)",
    ),
    "train_mode_lost": (
        "training in eval mode",
        "call model.train() at the start of each epoch (validation switches the model to eval)",
    ),
    "eval_never_called": (
        "eval never called",
        "dropout still drops units during validation: call model.eval() before validating",
    ),
    "no_grad_missing": (
        "validation records gradients",
        "wrap validation in `with torch.no_grad():` (eval() switches layer behaviour, not autograd)",
    ),
    "dropped_to_device": (
        "result of .to(device) dropped",
        "a tensor's .to returns a moved copy (a module's moves in place): write x = x.to(device)",
    ),
    "batches_drop_last": (
        "last batch dropped",
        "keep the last, smaller batch: slice the permutation in steps of batch_size up to N",
    ),
    "batches_with_replacement": (
        "indices drawn per batch",
        "samples repeat or go missing: draw ONE permutation per epoch (torch.randperm) and slice it",
    ),
    "batches_not_shuffled": (
        "no shuffling",
        "the samples come in stored order: index with a random "
        "permutation, torch.randperm(N, generator=generator, device=X.device)",
    ),
    "same_order_every_epoch": (
        "the same order every epoch",
        "draw a new permutation at each call, from the generator you are given",
    ),
    "generator_ignored": (
        "generator ignored",
        "the same seed must give the same order: pass generator=generator to torch.randperm",
    ),
    "per_sample_loop": (
        "a loop over samples",
        "index X once per batch with a whole tensor of indices; one "
        "sample at a time is what makes the seed-style loop slow",
    ),
}
