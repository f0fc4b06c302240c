//! How to cite, the licences, and where the data goes (nowhere).

use leptos::prelude::*;

#[component]
pub fn AboutPage() -> impl IntoView {
    view! {
        <div class="page text" data-testid="page-about">
            <h1>"About"</h1>
            <h2>"Your scans stay on your computer"</h2>
            <p data-testid="privacy">"Scans opened in the viewer are read and decoded inside this browser tab. Nothing is uploaded: the page only requests its own files (the program, the weights, the sample scan, the results) from the site it was loaded from. Reader-study answers are kept in this browser's storage until you export them."</p>
            <h2>"How to cite"</h2>
            <pre class="cite">"Van Veen D, van der Sluijs R, Ozturkler B, Desai A, Bluethgen C, Boutin RD, Willis MH,
Wetzstein G, Lindell D, Vasanawala S, Pauly J, Chaudhari AS. Scale-Agnostic
Super-Resolution in MRI using Feature-Based Coordinate Networks. Medical Imaging
with Deep Learning (MIDL), short paper, 2022. arXiv:2210.08676."</pre>
            <p>"This site is coordsr, an independent reimplementation in Rust (burn, Leptos, WebGPU); the poster published no code."</p>
            <h2>"Licences"</h2>
            <ul>
                <li>"Code: MIT OR Apache-2.0."</li>
                <li>"Bundled scans: the viewer's sample, the ICBM 2009a symmetric T1 brain template from nilearn (BSD-3-Clause) in 4 mm slices made by coordsr — Copyright (C) 1993–2009 Louis Collins, McConnell Brain Imaging Centre, Montreal Neurological Institute, McGill University; used under its notice (permission to use, copy, modify and distribute with this notice; no warranty); Fonov et al., NeuroImage 47 (2009) S102. The reader study's shoulder MR slice MR2_UNCR from pydicom-data (MIT)."</li>
                <li>"Weights: our own training output, MIT OR Apache-2.0; trained on VS-SEG-001 (TCIA Vestibular-Schwannoma-SEG, CC BY 4.0) and a UIH brain T1 (neurolabusc/dcm_qa_uih, BSD-2-Clause), validated on a Philips T1 (neurolabusc/dcm_qa_philips_enh, BSD-2-Clause)."</li>
            </ul>
            <h2>"Not for diagnosis"</h2>
            <p>"A research tool: super-resolved images are estimates and can contain detail that was not acquired."</p>
        </div>
    }
}
