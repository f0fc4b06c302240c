//! A synthetic DICOM writer for the tests: small MR image files holding exactly the attributes a
//! test needs, in any transfer syntax, so that every path through the reader is tested without
//! real data.

use dicom_core::value::{DataSetSequence, PixelFragmentSequence};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

pub(super) type El = DataElement<InMemDicomObject>;

fn us(t: Tag, v: u16) -> El {
    DataElement::new(t, VR::US, PrimitiveValue::from(v))
}

pub(super) fn txt(t: Tag, vr: VR, s: &str) -> El {
    DataElement::new(t, vr, PrimitiveValue::from(s))
}

pub(super) fn seq(t: Tag, items: Vec<InMemDicomObject>) -> El {
    DataElement::new(t, VR::SQ, DataSetSequence::from(items))
}

/// A small synthetic MR image file.
pub(super) struct Syn {
    pub(super) cols: u16,
    pub(super) rows: u16,
    pub(super) frames: usize,
    pub(super) pixels: Vec<u16>,
    pub(super) signed: bool,
    pub(super) bits_stored: u16,
    pub(super) position: Option<[f64; 3]>,
    pub(super) orientation: [f64; 6],
    pub(super) spacing: [f64; 2],
    pub(super) slope: Option<&'static str>,
    pub(super) intercept: Option<&'static str>,
    pub(super) series: &'static str,
    pub(super) acq: Option<[u16; 4]>,
    pub(super) phase_dir: &'static str,
    pub(super) extra: Vec<El>,
}

impl Syn {
    pub(super) fn new(cols: u16, rows: u16, pixels: Vec<u16>) -> Syn {
        Syn {
            cols,
            rows,
            frames: 1,
            pixels,
            signed: false,
            bits_stored: 16,
            position: Some([0.0, 0.0, 0.0]),
            orientation: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            spacing: [0.5, 0.5],
            slope: None,
            intercept: None,
            series: "1.2.3.4.5",
            acq: None,
            phase_dir: "ROW",
            extra: Vec::new(),
        }
    }

    fn elements(&self, pixel: El) -> Vec<El> {
        let f = |v: &[f64]| v.iter().map(|x| format!("{x}")).collect::<Vec<_>>().join("\\");
        let mut e = vec![
            txt(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
            txt(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.6.7"),
            txt(tags::SERIES_INSTANCE_UID, VR::UI, self.series),
            txt(tags::MODALITY, VR::CS, "MR"),
            us(tags::ROWS, self.rows),
            us(tags::COLUMNS, self.cols),
            us(tags::SAMPLES_PER_PIXEL, 1),
            txt(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
            us(tags::BITS_ALLOCATED, 16),
            us(tags::BITS_STORED, self.bits_stored),
            us(tags::HIGH_BIT, self.bits_stored - 1),
            us(tags::PIXEL_REPRESENTATION, self.signed as u16),
            txt(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, &f(&self.orientation)),
            txt(tags::PIXEL_SPACING, VR::DS, &f(&self.spacing)),
            txt(tags::SLICE_THICKNESS, VR::DS, "2"),
            pixel,
        ];
        if self.frames > 1 {
            e.push(txt(tags::NUMBER_OF_FRAMES, VR::IS, &self.frames.to_string()));
        }
        if let Some(p) = self.position {
            e.push(txt(tags::IMAGE_POSITION_PATIENT, VR::DS, &f(&p)));
        }
        if let Some(s) = self.slope {
            e.push(txt(tags::RESCALE_SLOPE, VR::DS, s));
        }
        if let Some(s) = self.intercept {
            e.push(txt(tags::RESCALE_INTERCEPT, VR::DS, s));
        }
        if let Some(a) = self.acq {
            e.push(DataElement::new(tags::ACQUISITION_MATRIX, VR::US, PrimitiveValue::U16(a.into_iter().collect())));
            e.push(txt(tags::IN_PLANE_PHASE_ENCODING_DIRECTION, VR::CS, self.phase_dir));
        }
        e.extend(self.extra.iter().cloned());
        e
    }

    pub(super) fn native(&self, ts: &str) -> Vec<u8> {
        let px = DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(self.pixels.iter().copied().collect()));
        write(self.elements(px), ts)
    }

    pub(super) fn encapsulated(&self, ts: &str, fragments: Vec<Vec<u8>>) -> Vec<u8> {
        let px = DataElement::new(tags::PIXEL_DATA, VR::OB, PixelFragmentSequence::new(Vec::<u32>::new(), fragments));
        write(self.elements(px), ts)
    }
}

pub(super) fn write(elements: Vec<El>, ts: &str) -> Vec<u8> {
    let obj = InMemDicomObject::from_element_iter(elements);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new().transfer_syntax(ts).media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4"),
        )
        .expect("meta");
    let mut out = Vec::new();
    file.write_all(&mut out).expect("write dicom");
    out
}

pub(super) fn ramp(w: usize, h: usize, k: usize) -> Vec<u16> {
    (0..w * h).map(|i| (i % w * 3 + i / w * 5 + k * 100) as u16).collect()
}
