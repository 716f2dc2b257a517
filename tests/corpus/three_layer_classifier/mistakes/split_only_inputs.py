# loses: split_mini_batches, final_accuracy
# message: must return a pair (input_batches, target_batches)
# why: only the input batches are returned; the targets are forgotten
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    return np.vsplit(inputs, num_batches)
