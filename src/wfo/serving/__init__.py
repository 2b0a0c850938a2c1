"""The model server (`model-server` component of `wfo up`): one process serving the repository's models.

Stateless: it reads manifests and files from the object store (`wfo.repositories.models`) and polls it
for changes, so any number of replicas serve the same models. Each ecosystem's REST routes
(TF-Serving, TorchServe, Openscoring) and the Open Inference Protocol v2 for every served model
(`wfo.serving.app`); the runtimes live in `wfo.serving.runtimes`.
"""
