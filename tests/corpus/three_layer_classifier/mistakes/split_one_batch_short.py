# loses: split_mini_batches, final_accuracy
# message: one batch too few
# why: range(num_batches - 1) makes batches of the right size but one too few
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    size = len(inputs) // num_batches
    input_batches = [inputs[i * size:(i + 1) * size] for i in range(num_batches - 1)]
    target_batches = [targets[i * size:(i + 1) * size] for i in range(num_batches - 1)]
    return input_batches, target_batches
