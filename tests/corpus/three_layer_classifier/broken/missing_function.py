# loses: layer
# message: no cell with grade_id 'layer'
# why: the layer cell was deleted
# %% delete cell: layer
