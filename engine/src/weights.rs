//! A compact, self-describing weights file that loads anywhere without reading a GPU tensor.
//!
//! Why our own format: the browser's burn-wgpu cannot read tensors synchronously, and record
//! loaders may; this one only ever *creates* tensors from host bytes. It also carries the model
//! config and free-form metadata (training config, data split, metrics, commit), so a weights
//! file alone says what it is.
//!
//! Layout (little endian): `b"CSRW"`, `u32` version (1), `u32` header length, the JSON header,
//! zero padding to a multiple of 4, then each parameter's data in module traversal order, as f32
//! or f16 per the header.

use crate::model::{ModelConfig, SrModel};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 4] = b"CSRW";
const VERSION: u32 = 1;
/// A sanity bound: no header or parameter count of ours comes near it, so larger is corruption.
const MAX_HEADER: usize = 16 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    F16,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TensorEntry {
    pub shape: Vec<usize>,
    pub dtype: Precision,
    /// Byte offset from the start of the data section.
    pub offset: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    pub config: ModelConfig,
    #[serde(default)]
    pub meta: serde_json::Value,
    pub tensors: Vec<TensorEntry>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WeightsError(pub String);

struct Collect(Vec<Tensor<2>>, Vec<Vec<usize>>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val();
        let shape = t.dims().to_vec();
        let n: usize = shape.iter().product();
        self.0.push(t.reshape([1, n]));
        self.1.push(shape);
    }
}

/// Serialise a model (reads its parameters: native use only).
pub fn to_bytes(model: &SrModel, config: &ModelConfig, meta: serde_json::Value, precision: Precision) -> Vec<u8> {
    let mut c = Collect(Vec::new(), Vec::new());
    model.visit(&mut c);
    let mut data = Vec::new();
    let mut tensors = Vec::new();
    for (t, shape) in c.0.into_iter().zip(c.1) {
        let values: Vec<f32> = t.into_data().convert::<f32>().try_into_vec().expect("f32 parameters");
        tensors.push(TensorEntry { shape, dtype: precision, offset: data.len() });
        match precision {
            Precision::F32 => values.iter().for_each(|v| data.extend_from_slice(&v.to_le_bytes())),
            Precision::F16 => {
                values.iter().for_each(|v| data.extend_from_slice(&half::f16::from_f32(*v).to_le_bytes()));
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
        }
    }
    let header = serde_json::to_vec(&Header { config: config.clone(), meta, tensors }).expect("header serialises");
    let mut out = Vec::with_capacity(12 + header.len() + 4 + data.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    while out.len() % 4 != 0 {
        out.push(b' ');
    }
    out.extend_from_slice(&data);
    out
}

/// Parse the header and locate the data section, validating every offset against the bytes.
pub fn parse(bytes: &[u8]) -> Result<(Header, &[u8]), WeightsError> {
    let err = |m: &str| WeightsError(m.to_string());
    if bytes.len() < 12 || &bytes[..4] != MAGIC {
        return Err(err("not a coordsr weights file (missing CSRW magic)"));
    }
    let version = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    if version != VERSION {
        return Err(WeightsError(format!("unsupported weights version {version} (this build reads {VERSION})")));
    }
    let hlen = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    if hlen > MAX_HEADER || 12 + hlen > bytes.len() {
        return Err(err("truncated or corrupt header"));
    }
    let header: Header = serde_json::from_slice(&bytes[12..12 + hlen])
        .map_err(|e| WeightsError(format!("corrupt header: {e}")))?;
    let start = (12 + hlen).div_ceil(4) * 4;
    let data = bytes.get(start..).ok_or_else(|| err("truncated data section"))?;
    for (i, t) in header.tensors.iter().enumerate() {
        let n = t.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| err("absurd tensor shape"))?;
        let size = n.checked_mul(match t.dtype { Precision::F32 => 4, Precision::F16 => 2 }).ok_or_else(|| err("absurd tensor size"))?;
        if t.offset.checked_add(size).is_none_or(|end| end > data.len()) {
            return Err(WeightsError(format!("truncated data for tensor {i}")));
        }
    }
    Ok((header, data))
}

struct Assign<'a> {
    header: &'a Header,
    data: &'a [u8],
    next: usize,
    device: Device,
    error: Option<String>,
}

impl ModuleMapper for Assign<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let i = self.next;
        self.next += 1;
        let Some(entry) = self.header.tensors.get(i) else {
            self.error.get_or_insert_with(|| format!("file has fewer tensors than the model ({i})"));
            return param;
        };
        let expected: Vec<usize> = param.lazy_shape().iter().copied().collect();
        if entry.shape != expected {
            self.error.get_or_insert_with(|| format!("tensor {i}: shape {:?} in file, model wants {expected:?}", entry.shape));
            return param;
        }
        let n: usize = entry.shape.iter().product();
        let raw = &self.data[entry.offset..];
        let values: Vec<f32> = match entry.dtype {
            Precision::F32 => raw.chunks_exact(4).take(n).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect(),
            Precision::F16 => raw
                .chunks_exact(2)
                .take(n)
                .map(|b| half::f16::from_le_bytes(b.try_into().unwrap()).to_f32())
                .collect(),
        };
        let shape: [usize; D] = entry.shape.clone().try_into().expect("rank checked by shape equality");
        let tensor = Tensor::<D>::from_data(TensorData::new(values, shape), &self.device);
        Param::initialized(param.id, tensor)
    }
}

/// Bounds on the architecture a header may claim, far above any model of ours: the structure is
/// built (lazily) from the config before the tensors are matched against it, so the config
/// itself must not be able to overflow a size (`9 × channels + 4` inputs) or build millions of
/// modules.
const MAX_CHANNELS: usize = 4096;
const MAX_BLOCKS: usize = 1024;
const MAX_HIDDEN_LAYERS: usize = 64;
const MAX_HIDDEN_WIDTH: usize = 1 << 16;

/// Checks the header's model config before anything is built from it: every bound above, and no
/// more residual blocks or hidden layers than the file has tensors for.
pub fn check_config(header: &Header) -> Result<(), WeightsError> {
    use crate::model::DecoderConfig;
    let e = &header.config.encoder;
    let n = header.tensors.len();
    let bad = |m: String| Err(WeightsError(format!("model config in the header: {m}")));
    if e.channels == 0 || e.channels > MAX_CHANNELS {
        return bad(format!("{} channels (1 to {MAX_CHANNELS})", e.channels));
    }
    if e.blocks > MAX_BLOCKS || e.blocks > n {
        return bad(format!("{} residual blocks for {n} tensors (at most {MAX_BLOCKS})", e.blocks));
    }
    if !e.res_scale.is_finite() {
        return bad(format!("res_scale {}", e.res_scale));
    }
    if let DecoderConfig::Coord(d) = &header.config.decoder {
        if d.hidden.len() > MAX_HIDDEN_LAYERS || d.hidden.len() > n {
            return bad(format!("{} hidden layers for {n} tensors (at most {MAX_HIDDEN_LAYERS})", d.hidden.len()));
        }
        if let Some(h) = d.hidden.iter().find(|&&h| h == 0 || h > MAX_HIDDEN_WIDTH) {
            return bad(format!("a hidden layer of width {h} (1 to {MAX_HIDDEN_WIDTH})"));
        }
        if !(d.max_train_scale.is_finite() && d.max_train_scale > 0.0) {
            return bad(format!("max_train_scale {}", d.max_train_scale));
        }
    }
    Ok(())
}

/// Build the model a weights file describes, on `device`, creating tensors from host bytes only.
pub fn load(bytes: &[u8], device: &Device) -> Result<(SrModel, Header), WeightsError> {
    let (header, data) = parse(bytes)?;
    // The config is checked before the model's structure is built from it.
    check_config(&header)?;
    // Lazy: the header's architecture is only a claim until every tensor's shape matches it
    // (a crafted header with 10⁶ channels must not allocate terabytes first).
    let model = header.config.lazy(device);
    let mut assign = Assign { header: &header, data, next: 0, device: device.clone(), error: None };
    let model = model.map(&mut assign);
    if let Some(e) = assign.error {
        return Err(WeightsError(e));
    }
    if assign.next != header.tensors.len() {
        return Err(WeightsError(format!("file has {} tensors, the model {}", header.tensors.len(), assign.next)));
    }
    Ok((model, header))
}

/// Re-encode a model for shipping. With `f16`, the half-precision file is kept only if a
/// phantom decoded at 2× stays within 1e-3 (relative to the output range) of the f32 model;
/// otherwise f32 is written. Returns the bytes and the measured error (0 for f32).
pub fn export(model: &SrModel, header: &Header, f16: bool, device: &Device) -> (Vec<u8>, f64, Precision) {
    let f32_bytes = to_bytes(model, &header.config, header.meta.clone(), Precision::F32);
    if !f16 {
        return (f32_bytes, 0.0, Precision::F32);
    }
    let half_bytes = to_bytes(model, &header.config, header.meta.clone(), Precision::F16);
    let (half_model, _) = load(&half_bytes, device).expect("own f16 encoding loads");
    let lr = crate::phantom::shepp_logan(48, 48);
    let grid = crate::geometry::Grid::upscaled(48, 48, 2.0, 2.0);
    let a = model.upscale(&lr, &grid, device);
    let b = half_model.upscale(&lr, &grid, device);
    let (lo, hi) = a.min_max();
    let range = ((hi - lo) as f64).max(1e-12);
    let err = a.data.iter().zip(&b.data).map(|(x, y)| (x - y).abs() as f64).fold(0.0, f64::max) / range;
    if err <= 1e-3 { (half_bytes, err, Precision::F16) } else { (f32_bytes, err, Precision::F32) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Grid;
    use crate::phantom::shepp_logan;

    fn small() -> ModelConfig {
        let mut c = ModelConfig::coord();
        c.encoder.channels = 8;
        c.encoder.blocks = 2;
        if let crate::model::DecoderConfig::Coord(d) = &mut c.decoder {
            d.hidden = vec![16, 16];
        }
        c
    }

    #[test]
    fn f32_round_trip_is_exact_and_f16_is_close() {
        let device = Device::flex();
        let config = small();
        let model = config.init(&device);
        let bytes = to_bytes(&model, &config, serde_json::json!({"note": "test"}), Precision::F32);
        let (loaded, header) = load(&bytes, &device).unwrap();
        assert_eq!(header.meta["note"], "test");
        let lr = shepp_logan(24, 20);
        let grid = Grid::upscaled(24, 20, 2.5, 2.5);
        let a = model.upscale(&lr, &grid, &device);
        let b = loaded.upscale(&lr, &grid, &device);
        assert_eq!(a.data, b.data);
        let (half, err, precision) = export(&model, &header, true, &device);
        assert!(err <= 1e-3, "{err}");
        assert_eq!(precision, Precision::F16);
        assert!(half.len() < bytes.len() * 6 / 10, "f16 should roughly halve the file");
    }

    #[test]
    fn corrupt_files_are_errors_not_panics() {
        let device = Device::flex();
        let config = small();
        let bytes = to_bytes(&config.init(&device), &config, serde_json::Value::Null, Precision::F32);
        assert!(load(b"nope", &device).is_err());
        assert!(load(&bytes[..bytes.len() - 10], &device).is_err());
        let mut wrong = bytes.clone();
        wrong[4] = 9;
        assert!(load(&wrong, &device).unwrap_err().0.contains("version"));
        // A header that names another architecture does not fit the tensors.
        let mut other = small();
        other.encoder.channels = 4;
        let ob = to_bytes(&other.init(&device), &config, serde_json::Value::Null, Precision::F32);
        assert!(load(&ob, &device).is_err());
        // A header claiming a huge architecture for small tensors is refused before anything of
        // that size exists: past the config's bounds before the model is built (2²⁰ channels,
        // 10¹² blocks), within them when the first tensor's shape does not match (built
        // eagerly, 4096 channels and 64 blocks would need gigabytes).
        let mut huge = small();
        huge.encoder.channels = 1 << 20;
        let hb = to_bytes(&config.init(&device), &huge, serde_json::Value::Null, Precision::F32);
        assert!(load(&hb, &device).unwrap_err().0.contains("1048576 channels"));
        let mut many = small();
        many.encoder.blocks = 1_000_000_000_000;
        let mb = to_bytes(&config.init(&device), &many, serde_json::Value::Null, Precision::F32);
        assert!(load(&mb, &device).unwrap_err().0.contains("residual blocks"));
        let mut wide = small();
        wide.encoder.channels = 4096;
        wide.encoder.blocks = 8;
        let wb = to_bytes(&config.init(&device), &wide, serde_json::Value::Null, Precision::F32);
        assert!(load(&wb, &device).unwrap_err().0.contains("shape"));
    }

    #[test]
    fn loading_builds_the_model_lazily() {
        struct Count(usize, usize);
        impl burn::module::ModuleVisitor for Count {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0 += 1;
                self.1 += param.is_initialized() as usize;
            }
        }
        let mut c = Count(0, 0);
        small().lazy(&Device::flex()).visit(&mut c);
        assert!(c.0 > 0);
        assert_eq!(c.1, 0, "parameters initialised before any weight is read");
    }
}
