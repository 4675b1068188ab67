"""Code of Part V (《AI 大模型创业：如何利用管理优势？》): glossary, experiment log, neuron, apps."""
