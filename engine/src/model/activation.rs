//! ReLU with a gradient that is one multiply.
//!
//! burn differentiates `relu` as `mask_fill(grad, output <= 0, 0)`, which LibTorch (our training
//! backend, `--backend tch`) runs as a compare, a copy of the shared gradient and a masked fill
//! that branches per element, where PyTorch's autograd calls one fused `threshold_backward`:
//! 13.4 ms against 0.9 ms on the decoder's `[4·8·1024, 128]` activations with 2 threads
//! (`scripts/bench_ops_torch.py`), three such layers per step.
//!
//! Under autodiff, `relu(x) = x · [x > 0]` with the mask a constant (comparisons give bool
//! tensors, which autodiff does not track): its gradient is `grad · [x > 0]`, one vectorised
//! multiply. Same values (a negative input gives −0, which every later layer treats as 0), same
//! gradient (0 at x = 0, as burn's). Outside autodiff (inference, validation) it is the plain
//! one-pass `relu`.
//!
//! The coordinate decoder's MLP uses it: there the backward pass went from 0.133 to 0.117 s per
//! step (`coordsr train` prints its phases; 2 threads, LibTorch). The price is two more passes
//! forward (compare, convert), so on the encoder's 10× smaller maps it saved nothing and cost
//! forward time (measured: backward 0.117–0.121, forward 0.082 → 0.090 s); they keep burn's relu.

use burn::tensor::Tensor;

/// Without the `train` feature (the browser build) there is no autodiff: always the plain relu.
pub fn relu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "train")]
    if x.is_tracked() {
        let mask = x.clone().greater_elem(0.0).float();
        return x * mask;
    }
    burn::tensor::activation::relu(x)
}

#[cfg(all(test, feature = "train"))]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn same_values_and_gradients_as_burns_relu() {
        let device = Device::flex().autodiff();
        // Zeros included: the gradient there is 0 in both.
        let values: Vec<f32> = (0..64).map(|i| ((i * 37 % 64) as f32 - 32.0) / 8.0).collect();
        let upstream: Vec<f32> = (0..64).map(|i| 1.0 + (i % 7) as f32).collect();
        let run = |ours: bool| {
            let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [8, 8]), &device).require_grad();
            let w = Tensor::<2>::from_data(TensorData::new(upstream.clone(), [8, 8]), &device);
            let y = if ours { relu(x.clone()) } else { burn::tensor::activation::relu(x.clone()) };
            assert!(y.is_tracked());
            let grads = (y.clone() * w).sum().backward();
            let g: Vec<f32> = x.grad(&grads).unwrap().into_data().try_into_vec().unwrap();
            let y: Vec<f32> = y.into_data().try_into_vec().unwrap();
            (y, g)
        };
        let (ours, theirs) = (run(true), run(false));
        assert_eq!(ours.0, theirs.0);
        assert_eq!(ours.1, theirs.1);
        assert!(values.contains(&0.0) && values.iter().any(|v| *v < 0.0));
        // Untracked (inference): the plain relu.
        let x = Tensor::<1>::from_data(TensorData::new(values.clone(), [64]), &Device::flex());
        let y: Vec<f32> = relu(x).into_data().try_into_vec().unwrap();
        assert_eq!(y, values.iter().map(|v| v.max(0.0)).collect::<Vec<_>>());
    }
}
