"""The planted mistakes of chapter torch_pipeline and its typical students (see __init__.py)."""

from .model import M, Typical, nb

MISTAKES = [
    M(
        "windows-zero-padding",
        "6.1 ContextWindows",
        "pads the edges with zeros",
        [
            nb(
                'padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode="edge")',
                'padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode="constant")',
            )
        ],
        "context_windows.items",
        "window_zero_padding",
    ),
    M(
        "windows-len-padding",
        "6.1 ContextWindows",
        "len counts the padded rows",
        [nb("return len(self.labels)", "return len(self.padded)")],
        "context_windows.len",
        "len_counts_padding",
    ),
    M(
        "windows-shifted",
        "6.1 ContextWindows",
        "the window starts k rows late",
        [
            nb(
                "return self.padded[t:t + 2 * self.k + 1].reshape(-1), self.labels[t]",
                "return self.padded[t + self.k:t + 3 * self.k + 1].reshape(-1), self.labels[t]",
            )
        ],
        "context_windows.items",
        "window_shifted",
    ),
    M(
        "windows-up-front",
        "6.1 ContextWindows",
        "builds every window in __init__",
        [
            nb(
                "self.padded = torch.from_numpy(padded)\n",
                "self.padded = torch.from_numpy(padded)\n"
                "        self.windows = [self.padded[t:t + 2 * k + 1].clone() for t in range(len(labels))]\n",
            )
        ],
        "context_windows.memory",
        "windows_up_front",
    ),
    M(
        "windows-flatten-order",
        "6.1 ContextWindows",
        "flattens the window feature by feature",
        [
            nb(
                "return self.padded[t:t + 2 * self.k + 1].reshape(-1), self.labels[t]",
                "return self.padded[t:t + 2 * self.k + 1].T.reshape(-1), self.labels[t]",
            )
        ],
        "context_windows.items",
        "window_flatten_order",
    ),
    M(
        "twins-no-zero-grad",
        "6.2 train_twins",
        "the torch loop never clears the gradients",
        [
            nb(
                "        optimizer.zero_grad()\n        loss = loss_fn(torch_model(",
                "        loss = loss_fn(torch_model(",
            )
        ],
        "twins.torch",
        "missing_zero_grad",
    ),
    M(
        "twins-after-training",
        "6.2 train_twins",
        "the mytorch twin is copied after torch trained",
        [
            nb("    net = from_torch(torch_model)  # before torch trains: both start from the same weights\n", ""),
            nb(
                "my_optimizer = mytorch.optim.SGD(",
                "net = from_torch(torch_model)\n    my_optimizer = mytorch.optim.SGD(",
            ),
        ],
        "twins.mytorch",
        "twin_after_training",
    ),
    M(
        "twins-no-momentum",
        "6.2 train_twins",
        "torch's SGD built without the momentum",
        [
            nb(
                "optimizer = torch.optim.SGD(torch_model.parameters(), lr=lr, momentum=momentum)",
                "optimizer = torch.optim.SGD(torch_model.parameters(), lr=lr)",
            )
        ],
        "twins.torch",
        "momentum_not_passed",
    ),
    M(
        "twins-no-step",
        "6.2 train_twins",
        "the mytorch optimizer never steps",
        [nb("        my_optimizer.step()\n", "")],
        "twins.mytorch",
        "missing_step",
    ),
    M(
        "pipeline-len-typo",
        "6.3 fix the pipeline",
        "__len_ for __len__ in FrameDataset",
        [
            nb(
                "def __len__(self):\n        ### BEGIN SOLUTION\n        return len(self.X)",
                "def __len_(self):\n        ### BEGIN SOLUTION\n        return len(self.X)",
            )
        ],
        "fix_pipeline.dataset",
        "dunder_typo",
    ),
    M(
        "pipeline-getitem-typo",
        "6.3 fix the pipeline",
        "__getitem for __getitem__ in FrameDataset",
        [nb("def __getitem__(self, i):", "def __getitem(self, i):")],
        "fix_pipeline.dataset",
        "dunder_typo",
    ),
    M(
        "pipeline-no-super",
        "6.3 fix the pipeline",
        "FrameClassifier without super().__init__()",
        [nb("super().__init__()\n        self.net", "self.net")],
        "fix_pipeline.model",
        "missing_super_init",
    ),
    # A set iterates in an order of memory addresses, different in every process; sorting
    # it by repr keeps the mistake (order lost) and makes the sample grade the same every run.
    M(
        "pipeline-layer-set",
        "6.3 fix the pipeline",
        "the layers passed as a set (their order lost)",
        [
            nb(
                "self.net = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Dropout(p_drop),",
                "self.net = nn.Sequential(*sorted({nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Dropout(p_drop),",
            ),
            nb("nn.Linear(n_hidden, n_classes))", "nn.Linear(n_hidden, n_classes)}, key=repr))"),
        ],
        "fix_pipeline.model",
        "layers_in_a_set",
    ),
    M(
        "pipeline-no-zero-grad",
        "6.3 fix the pipeline",
        "train_and_validate never clears the gradients",
        [
            nb(
                "            optimizer.zero_grad()\n            loss = loss_fn(model(x), y)",
                "            loss = loss_fn(model(x), y)",
            )
        ],
        "fix_pipeline.zero_grad",
        "missing_zero_grad",
    ),
    M(
        "pipeline-no-no-grad",
        "6.3 fix the pipeline",
        "validation without torch.no_grad()",
        [
            nb(
                "with torch.no_grad():\n        for x, y in DataLoader(val_set",
                "if True:\n        for x, y in DataLoader(val_set",
            )
        ],
        "fix_pipeline.modes",
        "no_grad_missing",
    ),
    M(
        "pipeline-no-eval",
        "6.3 fix the pipeline",
        "model.eval() never called",
        [nb("    model.eval()\n    correct = 0", "    correct = 0")],
        ["fix_pipeline.modes", "fix_pipeline.accuracy"],
        "eval_never_called",
    ),
    M(
        "pipeline-to-dropped",
        "6.3 fix the pipeline",
        "x.to(device) whose result is dropped",
        [
            nb(
                "x, y = x.to(device), y.to(device)\n            optimizer.zero_grad()",
                "x.to(device)\n            y.to(device)\n            optimizer.zero_grad()",
            )
        ],
        "fix_pipeline.device",
        "dropped_to_device",
    ),
    M(
        "batches-drop-last",
        "6.4 device_batches",
        "drops the last, smaller batch",
        [
            nb(
                "for start in range(0, len(X), batch_size):",
                "for start in range(0, len(X) - batch_size + 1, batch_size):",
            )
        ],
        "device_batches.coverage",
        "batches_drop_last",
    ),
    M(
        "batches-per-sample",
        "6.4 device_batches",
        "builds each batch sample by sample",
        [nb("yield X[idx], y[idx]", "yield torch.stack([X[i] for i in idx]), y[idx]")],
        "device_batches.indexing",
        "per_sample_loop",
    ),
    M(
        "batches-generator-ignored",
        "6.4 device_batches",
        "torch.randperm without the generator given",
        [
            nb(
                "order = torch.randperm(len(X), generator=generator, device=X.device)",
                "order = torch.randperm(len(X), device=X.device)",
            )
        ],
        "device_batches.reshuffle",
        "generator_ignored",
    ),
    M(
        "batches-not-shuffled",
        "6.4 device_batches",
        "the samples in stored order",
        [
            nb(
                "order = torch.randperm(len(X), generator=generator, device=X.device)",
                "order = torch.arange(len(X), device=X.device)",
            )
        ],
        ["device_batches.coverage", "device_batches.reshuffle"],
        "batches_not_shuffled",
    ),
]

TYPICAL = [
    # 11 points
    Typical(
        "torch_pipeline-typical-a",
        "torch_pipeline",
        (
            "windows-zero-padding",
            "windows-len-padding",
            "twins-no-zero-grad",
            "pipeline-len-typo",
            "pipeline-no-super",
            "pipeline-no-zero-grad",
            "pipeline-no-no-grad",
            "batches-drop-last",
            "batches-per-sample",
        ),
        6.08,
    ),  # 11 points. 6.1 -1.25, 6.2 -0.33, 6.3 -2.17, 6.4 -0.83
    Typical(
        "torch_pipeline-typical-b",
        "torch_pipeline",
        (
            "windows-shifted",
            "windows-up-front",
            "twins-after-training",
            "pipeline-no-eval",
            "pipeline-to-dropped",
            "batches-generator-ignored",
        ),
        8.04,
    ),  # 6.1 -1.25, 6.2 -0.33, 6.3 -0.79, 6.4 -0.25
    Typical(
        "torch_pipeline-typical-c",
        "torch_pipeline",
        (
            "windows-flatten-order",
            "twins-no-momentum",
            "twins-no-step",
            "pipeline-getitem-typo",
            "pipeline-layer-set",
            "batches-not-shuffled",
        ),
        7.58,
    ),
    # 6.1 -0.75, 6.2 -0.66, 6.3 -0.83 (the typo 0.5; the layer order 0.33: one unit of 3 in each of 2
    # cases of the model check), 6.4 -0.5
]
