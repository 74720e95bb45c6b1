"""The parameters of the paper's Table 3 ("Parameters impacting training costs") and the model sizes and GPU growth
rate of its Section 2.1: P. Faraboschi, E. Giles, J. Hotard, K. Owczarek, A. Wheeler, *Reducing the Barriers to Entry for
Foundation Model Training*, Hewlett Packard Enterprise, arXiv:2404.08811 (2024)."""

GPU_MEMORY_GB = 80.0
"""GPU memory (GB) checkpointed per GPU. Paper, Table 3 (`GPU_mem`)."""
GPU_MTBF_HOURS = 950e3
"""Mean time between failures of one GPU (hours), from the A100 datasheet. Paper, Table 3 (`GPU_mtbf_base`)."""
CPU_MTBF_HOURS = 1.5e6
"""Mean time between failures of one host CPU (hours). Paper, Table 3 (`CPU_mtbf_base`)."""
GPUS_PER_CPU = 4
"""GPUs per host CPU, for the MTTI. Paper, Table 3 (`GPUs_per_CPU`)."""
FLOPS_PER_GPU = 150e12
"""Sustained training throughput per GPU (FLOP/s; A100 TF32 benchmarks). Paper, Table 3 (`TFs_per_GPU`)."""
TOKEN_SCALING_EXPONENT = 1.91
"""Empirical exponent of compute vs parameters, `C ~ P^1.91` (2.0 in theory, `T = 20 P`). Paper, Table 3
(`Token_scaling`)."""
TOKENS_PER_PARAM = 20.0
"""Training tokens per parameter (Chinchilla: Hoffmann et al. 2022). Paper, Table 3 (`Token_per_param`)."""
FLOPS_PER_PARAM_TOKEN = 6.0
"""Training FLOP per parameter per token (2 forward + 4 backward; Kaplan et al. 2020). Paper, Table 3
(`FLOP_per_token`)."""
SEQUENTIAL_FRACTION = 0.01
"""Amdahl sequential fraction. Paper, Table 3 (`Seq_comp`)."""
N_GROUPS = 100
"""Data-parallel groups for K-of-N tolerance. Paper, Table 3 (`FT_KN`)."""
TOLERATED_GROUPS = 5
"""Failed data-parallel groups tolerated (K-of-N) by the optimized system. Paper, Table 3 (`FT_KN`) and Sec. 3.1."""
GROUP_RECOVERY_HOURS = 2.0
"""Time to recover (replace and reload) a failed group (hours). Paper, Table 3 (`TTR_h`)."""
CHECKPOINT_GB_S = 500.0
"""Checkpoint file-system bandwidth (GB/s); 2000 GB/s in the optimized system (Sec. 3.1). Paper, Table 3
(`FS_base_bw`)."""
USD_PER_GPU_HOUR = 2.5
"""Price of one GPU-hour (USD; dedicated A100 cloud instances). Paper, Table 3 (`Cpgh`)."""
GPT3_PARAMS = 175e9
"""GPT-3's parameters (175 B), as the paper states them (Sec. 2.1)."""
GPT4_PARAMS = 1.8e12
"""GPT-4's parameters (1.8 T, the paper's estimate, Sec. 2.1)."""
GPU_PERF_GROWTH_PER_YEAR = 1.69
"""GPU performance growth per year (x1.69 = +69 %/year). Paper, Sec. 2.1 (Fig. 6)."""
PARAM_GROWTH_PER_YEAR = 2.8
"""Growth per year of the largest models' parameters: "forecasted to grow by 180 % per year" (x2.8). Paper,
Sec. 2.1 (Fig. 6's text)."""
PRICE_PERFORMANCE_DOUBLING_YEARS = 2.46
"""Doubling time of GPU FLOP/s per dollar (years; "approximately 2.46 years (29 months)", Hobbhahn and Besiroglu
2022). Paper, Sec. 2 (Fig. 4)."""
SUPERCOMPUTER_GROWTH_PER_YEAR = 1.78
"""Growth per year of the output of leading supercomputing systems (~78 %/year). Paper, Sec. 2.1."""
COMPUTE_DOUBLING_MONTHS = (4.0, 7.0)
"""Doubling time (months) of the training compute of notable models, all and large-scale only (EpochAI 2023).
Paper, Sec. 2 (Fig. 3)."""
TYPICAL_EXPERTS = (4, 10)
""""Today, a typical range of K is 4 to 10 experts." Paper, Sec. 1.3."""
GPT3_YEAR = 2021
"""Year the paper gives for GPT-3's training (Sec. 2.1)."""
GPT4_YEAR = 2023
"""Year the paper gives for GPT-4's training (Sec. 2.1)."""
