# limits: check_seconds=3, load_seconds=10
# loses: split_mini_batches, final_accuracy
# message: did not finish within 3 s
# why: an endless loop inside a function: each of its checks times out, the others run in a fresh worker
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    batches = []
    while len(batches) < num_batches:
        batches = []
    return batches, batches
