-- Fresh load: the statements that build every index of the load table ($1): the parent's (adopted
-- at ATTACH) and the layer's own ($2 = layer).
SELECT s FROM qala_parent_index_ddl($1) s
UNION ALL
SELECT s FROM qala_layer_index_ddl($2, $1) s
