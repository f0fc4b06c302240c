//! Training kernels: the encoder's convolutions and the decoder's ReLUs with the backward pass of
//! the backend in use, where burn would use its generic decomposition.
//!
//! burn 0.22 differentiates `conv2d` by three generic ops (the weight's gradient as a convolution
//! of the swapped input and output gradient, the bias's as a reduction of a copy) and `relu` by a
//! compare and a masked fill. On LibTorch (`--backend tch`, the training backend) that costs
//! 2.3 ms against LibTorch's own 1.05 ms for each of the encoder's 18 weight gradients, and
//! 13.4 ms against 0.9 ms for a ReLU on the decoder's `[32768, 128]` activations
//! (`scripts/bench_ops_torch.py`, 2 threads); PyTorch's autograd calls the fused kernels. This
//! module is the backend extension (burn's `#[backend_extension]`) that lets the model call them:
//! [`conv2d`] and [`relu`] route through burn's dispatch like any op; under autodiff their backward
//! is [`BackwardKernels`], which on LibTorch is LibTorch's autograd for the convolution (recorded in
//! the forward pass, so nothing is recomputed) and `threshold_backward` for the ReLU, and on every
//! other backend exactly burn's own decomposition (same values: tested against burn's ops).
//!
//! This is the one module that names backends; the model calls [`conv2d`] and [`relu`] and stays
//! backend-free. Without the `train` feature (the browser build) they are burn's plain ops.

use burn::nn::conv::Conv2d;
use burn::nn::PaddingConfig2d;
use burn::tensor::Tensor;

/// burn's [`Conv2d::forward`], with the backend's own backward pass under autodiff for the 3×3
/// convolutions (stride 1, padding 1) the model trains.
pub fn conv2d(layer: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    match &layer.bias {
        Some(bias)
            if layer.kernel_size == [3, 3]
                && layer.stride == [1, 1]
                && layer.dilation == [1, 1]
                && layer.groups == 1
                && matches!(layer.padding, PaddingConfig2d::Same | PaddingConfig2d::Explicit(1, 1, 1, 1)) =>
        {
            conv3x3(x, layer.weight.val(), bias.val())
        }
        _ => layer.forward(x),
    }
}

/// A 3×3 convolution, stride 1, zero padding 1, with bias: `[B, Cin, h, w]`, `[Cout, Cin, 3, 3]`,
/// `[Cout]` → `[B, Cout, h, w]`; the backend's own backward pass under autodiff.
pub fn conv3x3(x: Tensor<4>, weight: Tensor<4>, bias: Tensor<1>) -> Tensor<4> {
    #[cfg(feature = "train")]
    if x.is_tracked() || weight.is_tracked() || bias.is_tracked() {
        return train::conv2d(x, weight, bias);
    }
    let options = burn::tensor::ops::ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
    burn::tensor::module::conv2d(x, weight, Some(bias), options)
}

/// `max(x, 0)`, with the backend's own backward pass under autodiff.
pub fn relu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "train")]
    if x.is_tracked() {
        return train::relu(x);
    }
    burn::tensor::activation::relu(x)
}

#[cfg(feature = "train")]
#[allow(deprecated)] // LibTorch: burn-tch is deprecated; it is our optional training backend.
mod train {
    use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::autodiff::Autodiff;
    use burn::backend::ops::ConvOptions;
    use burn::backend::tensor::FloatTensor;
    use burn::backend::{backend_extension, Backend, Dispatch, Flex};
    use burn::tensor::Tensor;
    use std::fmt::Debug;

    /// Padding 1 for the 3×3 convolutions, stride 1.
    fn options() -> ConvOptions<2> {
        ConvOptions::new([1, 1], [1, 1], [1, 1], 1)
    }

    pub fn conv2d(x: Tensor<4>, weight: Tensor<4>, bias: Tensor<1>) -> Tensor<4> {
        Tensor::from_dispatch(Dispatch::train_conv2d(x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch()))
    }

    pub fn relu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
        Tensor::from_dispatch(Dispatch::train_relu(x.into_dispatch()))
    }

    /// The ops, routed by burn's dispatch to the backend of their input. Forward they are burn's
    /// ops on every backend; the autodiff implementation below gives them their backward.
    #[backend_extension(Flex, LibTorch: cfg(feature = "tch"), NdArray: cfg(feature = "ndarray"), Cube: cfg(feature = "wgpu"), Autodiff)]
    pub trait TrainOps: Backend {
        fn train_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>) -> FloatTensor<Self> {
            Self::conv2d(x, weight, Some(bias), options())
        }

        fn train_relu(x: FloatTensor<Self>) -> FloatTensor<Self> {
            Self::relu(x)
        }
    }

    /// What a backend runs for the backward pass: a convolution's forward that keeps what its
    /// backward needs (its "tape"), the three gradients from it, and ReLU's gradient from its output.
    pub trait BackwardKernels: Backend {
        type ConvTape: Clone + Send + Debug + 'static;

        fn conv2d_taped(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>) -> (FloatTensor<Self>, Self::ConvTape);

        /// Gradients of input, weight and bias, each only where `needed`.
        fn conv2d_grads(tape: Self::ConvTape, grad: FloatTensor<Self>, needed: [bool; 3]) -> [Option<FloatTensor<Self>>; 3];

        fn relu_grad(output: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
            Self::relu_backward(output, grad)
        }
    }

    /// burn's own convolution backward: the tape is the inputs.
    #[derive(Clone, Debug)]
    pub struct ConvInputs<B: Backend> {
        x: FloatTensor<B>,
        weight: FloatTensor<B>,
        bias: FloatTensor<B>,
    }

    fn generic_taped<B: Backend>(x: FloatTensor<B>, weight: FloatTensor<B>, bias: FloatTensor<B>) -> (FloatTensor<B>, ConvInputs<B>) {
        let out = B::conv2d(x.clone(), weight.clone(), Some(bias.clone()), options());
        (out, ConvInputs { x, weight, bias })
    }

    fn generic_grads<B: Backend>(t: ConvInputs<B>, grad: FloatTensor<B>, needed: [bool; 3]) -> [Option<FloatTensor<B>>; 3] {
        [
            needed[0].then(|| B::conv2d_x_backward(t.x.clone(), t.weight.clone(), grad.clone(), options())),
            needed[1].then(|| B::conv2d_weight_backward(t.x.clone(), t.weight.clone(), grad.clone(), options())),
            needed[2].then(|| B::conv2d_bias_backward(t.x.clone(), t.bias.clone(), grad.clone())),
        ]
    }

    macro_rules! burns_backward {
        ($backend:ty) => {
            impl TrainOps for $backend {}
            impl BackwardKernels for $backend {
                type ConvTape = ConvInputs<Self>;
                fn conv2d_taped(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>) -> (FloatTensor<Self>, Self::ConvTape) {
                    generic_taped::<Self>(x, weight, bias)
                }
                fn conv2d_grads(tape: Self::ConvTape, grad: FloatTensor<Self>, needed: [bool; 3]) -> [Option<FloatTensor<Self>>; 3] {
                    generic_grads::<Self>(tape, grad, needed)
                }
            }
        };
    }
    burns_backward!(Flex);
    #[cfg(feature = "ndarray")]
    burns_backward!(burn::backend::NdArray);
    #[cfg(feature = "wgpu")]
    burns_backward!(burn::backend::Cube);

    impl<B: Backend + BackwardKernels, C: CheckpointStrategy> TrainOps for Autodiff<B, C> {
        fn train_conv2d(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>) -> FloatTensor<Self> {
            #[derive(Debug)]
            struct Conv2dBackward;

            impl<B: Backend + BackwardKernels> Backward<B, 3> for Conv2dBackward {
                type State = B::ConvTape;

                fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
                    let grad = grads.consume::<B>(&ops.node);
                    let needed = ops.parents.each_ref().map(|p| p.is_some());
                    let computed = B::conv2d_grads(ops.state, grad, needed);
                    for (parent, grad) in ops.parents.into_iter().zip(computed) {
                        if let (Some(node), Some(grad)) = (parent, grad) {
                            grads.register::<B>(node.id, grad);
                        }
                    }
                }
            }

            match Conv2dBackward.prepare::<C>([x.node(), weight.node(), bias.node()]).compute_bound().stateful() {
                OpsKind::Tracked(prep) => {
                    let (out, tape) = B::conv2d_taped(x.into_primitive(), weight.into_primitive(), bias.into_primitive());
                    prep.finish(tape, out)
                }
                OpsKind::UnTracked(prep) => prep.finish(B::conv2d(x.into_primitive(), weight.into_primitive(), Some(bias.into_primitive()), options())),
            }
        }

        fn train_relu(x: FloatTensor<Self>) -> FloatTensor<Self> {
            #[derive(Debug)]
            struct ReluBackward;

            impl<B: Backend + BackwardKernels> Backward<B, 1> for ReluBackward {
                /// The output (`output ≤ 0` exactly where the input is).
                type State = FloatTensor<B>;

                fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
                    let grad = grads.consume::<B>(&ops.node);
                    let [parent] = ops.parents;
                    if let Some(node) = parent {
                        grads.register::<B>(node.id, B::relu_grad(ops.state, grad));
                    }
                }
            }

            match ReluBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
                OpsKind::Tracked(prep) => {
                    let out = B::relu(x.into_primitive());
                    prep.finish(out.clone(), out)
                }
                OpsKind::UnTracked(prep) => prep.finish(B::relu(x.into_primitive())),
            }
        }
    }

    /// LibTorch: the convolution's forward is recorded by LibTorch's autograd on leaves that share
    /// the inputs' storage, and its backward is LibTorch's (`convolution_backward`: oneDNN's weight
    /// gradient, all three in one call) — what PyTorch runs. ReLU's is `threshold_backward`.
    #[cfg(feature = "tch")]
    mod libtorch {
        use super::*;
        use burn::backend::libtorch::TchTensor;
        use burn::backend::LibTorch;

        impl TrainOps for LibTorch {}

        /// LibTorch's graph of one convolution: its output (attached), its leaves, and the burn
        /// tensors they share storage with, held so that burn never writes into them in place
        /// while the graph needs them.
        pub struct TorchConvTape {
            out: tch::Tensor,
            leaves: [tch::Tensor; 3],
            _pinned: [TchTensor; 3],
        }

        impl Clone for TorchConvTape {
            fn clone(&self) -> Self {
                Self {
                    out: self.out.shallow_clone(),
                    leaves: self.leaves.each_ref().map(|t| t.shallow_clone()),
                    _pinned: self._pinned.clone(),
                }
            }
        }

        impl Debug for TorchConvTape {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "TorchConvTape({:?})", self.out.size())
            }
        }

        impl BackwardKernels for LibTorch {
            type ConvTape = TorchConvTape;

            fn conv2d_taped(x: TchTensor, weight: TchTensor, bias: TchTensor) -> (TchTensor, TorchConvTape) {
                tch::with_grad(|| {
                    let leaves = [&x, &weight, &bias].map(|t| t.tensor.detach().set_requires_grad(true));
                    let out = leaves[0].conv2d(&leaves[1], Some(&leaves[2]), [1, 1], [1, 1], [1, 1], 1);
                    (TchTensor::new(out.detach()), TorchConvTape { out, leaves, _pinned: [x, weight, bias] })
                })
            }

            fn conv2d_grads(tape: TorchConvTape, grad: TchTensor, needed: [bool; 3]) -> [Option<TchTensor>; 3] {
                tch::with_grad(|| {
                    // LibTorch's entry point takes scalar roots: Σ out · grad has gradient `grad` at out.
                    let root = (&tape.out * &grad.tensor).sum(tch::Kind::Float);
                    let inputs: Vec<&tch::Tensor> = tape.leaves.iter().zip(needed).filter(|(_, n)| *n).map(|(t, _)| t).collect();
                    let mut computed = tch::Tensor::run_backward(&[root], &inputs, false, false).into_iter();
                    needed.map(|n| n.then(|| TchTensor::new(computed.next().expect("one gradient per input"))))
                })
            }

            fn relu_grad(output: TchTensor, grad: TchTensor) -> TchTensor {
                TchTensor::new(output.tensor.threshold_backward(&grad.tensor, 0.0))
            }
        }
    }
}

#[cfg(all(test, feature = "train"))]
mod tests {
    use super::*;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::{Device, Distribution};

    /// Values and gradients of [`conv2d`] and [`relu`] against burn's own ops, on `device`
    /// (autodiff): a convolution, a ReLU, another convolution and a weighted sum, as in a block.
    fn same_as_burns_ops(device: &Device, tolerance: f32) {
        let conv = |cin, cout| Conv2dConfig::new([cin, cout], [3, 3]).with_padding(PaddingConfig2d::Same).init(device);
        let (first, second) = (conv(3, 4), conv(4, 2));
        let input = Tensor::<4>::random([2, 3, 7, 5], Distribution::Normal(0.0, 1.0), device);
        let upstream = Tensor::<4>::random([2, 2, 7, 5], Distribution::Normal(0.0, 1.0), device);
        let run = |ours: bool| {
            let x = input.clone().require_grad();
            let y = if ours {
                conv2d(&second, relu(conv2d(&first, x.clone())))
            } else {
                second.forward(burn::tensor::activation::relu(first.forward(x.clone())))
            };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let read = |t: Tensor<4>| -> Vec<f32> { t.into_data().convert::<f32>().try_into_vec().unwrap() };
            let read1 = |t: Tensor<1>| -> Vec<f32> { t.into_data().convert::<f32>().try_into_vec().unwrap() };
            vec![
                read(y),
                read(x.grad(&grads).unwrap()),
                read(first.weight.val().grad(&grads).unwrap()),
                read1(first.bias.as_ref().unwrap().val().grad(&grads).unwrap()),
                read(second.weight.val().grad(&grads).unwrap()),
            ]
        };
        let (ours, burns) = (run(true), run(false));
        for (what, (a, b)) in ["output", "input grad", "weight grad", "bias grad", "second weight grad"].iter().zip(ours.iter().zip(&burns)) {
            assert_eq!(a.len(), b.len());
            let scale = b.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
            let worst = a.iter().zip(b).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst <= tolerance * scale, "{what}: differs by {worst} (scale {scale})");
        }
    }

    #[test]
    fn conv_and_relu_backward_equal_burns_on_flex() {
        same_as_burns_ops(&Device::flex().autodiff(), 1e-5);
    }

    #[cfg(feature = "tch")]
    #[test]
    fn conv_and_relu_backward_equal_burns_on_libtorch() {
        same_as_burns_ops(&Device::libtorch().autodiff(), 1e-5);
    }
}
