# loses: split_mini_batches
# message: batches take every 4th sample
# why: x[i::n] takes every n-th row instead of consecutive blocks
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    input_batches = [inputs[i::num_batches] for i in range(num_batches)]
    target_batches = [targets[i::num_batches] for i in range(num_batches)]
    return input_batches, target_batches
